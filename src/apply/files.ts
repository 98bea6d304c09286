// File writes Finit can never see half-done: each file is written whole under a temporary name
// that does not end in .conf (every byte checked, fsync), and only when every file of a change is
// whole are they renamed over their targets (atomic on one file system), then the directory is
// fsynced so the renames survive a power cut. A write that fails (ENOSPC, EROFS, a short write)
// removes its temporary files and leaves every target as it was.
//
// Reads go through lib/readfile.ts: a FIFO or a device where a file is expected never blocks.

import {
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MAX_STATE_BYTES } from '../lib/limits.js';
import { isAlive } from '../lib/proc.js';
import { errnoText, FileError, type FileText, readRegularFile } from '../lib/readfile.js';

export { FileError } from '../lib/readfile.js';

/** A file's text, or undefined when it does not exist. Throws FileError for anything but a regular file. */
export function readIfExists(path: string, maxBytes = MAX_STATE_BYTES): string | undefined {
  return readFileIfExists(path, maxBytes)?.text;
}

/** As readIfExists, with the file's mode. */
export function readFileIfExists(path: string, maxBytes = MAX_STATE_BYTES): FileText | undefined {
  try {
    return readRegularFile(path, maxBytes);
  } catch (e) {
    if (e instanceof FileError && e.code === 'ENOENT') return undefined;
    throw e;
  }
}

/** A write that did not happen: the target is as it was. The message names the file. */
export class WriteError extends Error {
  readonly code: string;
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot write ${path}: ${errnoText(cause)}`);
    this.name = 'WriteError';
    this.code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

export interface FileWrite {
  path: string;
  content: string;
  /** Permission bits, set exactly (the umask does not apply); default 0600. */
  mode?: number;
}

/** A write of text (as UTF-8) or of bytes, as they are (a copied file). */
export type BytesWrite = Omit<FileWrite, 'content'> & { content: string | Uint8Array };

const tmpName = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);

function writeTemp(w: BytesWrite): string {
  const tmp = tmpName(w.path);
  removeIfExists(tmp); // left by a process of this PID before a power cut
  const fd = openSync(tmp, 'wx', w.mode ?? 0o600);
  try {
    fchmodSync(fd, w.mode ?? 0o600);
    const bytes = typeof w.content === 'string' ? Buffer.from(w.content, 'utf8') : w.content;
    // write(2) may write less than asked (a full file system): every byte is checked
    for (let off = 0; off < bytes.length; ) {
      const n = writeSync(fd, bytes, off, bytes.length - off);
      if (n <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      off += n;
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    removeQuietly(tmp);
    throw e;
  }
  closeSync(fd);
  return tmp;
}

/** A temporary file for each write, each whole, or none (those written are removed); throws WriteError. */
function writeTemps(writes: readonly BytesWrite[]): string[] {
  const tmps: string[] = [];
  let current = writes[0]?.path ?? '';
  try {
    for (const w of writes) {
      current = w.path;
      tmps.push(writeTemp(w));
    }
  } catch (e) {
    for (const t of tmps) removeQuietly(t);
    throw new WriteError(current, e);
  }
  return tmps;
}

/**
 * Writes every file whole, or none of them: all temporary files first, then the renames, in
 * order. Throws WriteError naming the file that could not be written.
 */
export function writeAllAtomic(writes: readonly BytesWrite[]): void {
  const tmps = writeTemps(writes);
  const dirs = new Set<string>();
  for (let i = 0; i < writes.length; i++) {
    try {
      renameSync(tmps[i]!, writes[i]!.path);
    } catch (e) {
      for (const t of tmps.slice(i)) removeQuietly(t);
      throw new WriteError(writes[i]!.path, e);
    }
    dirs.add(dirname(writes[i]!.path));
  }
  for (const d of dirs) syncDir(d);
}

/**
 * Creates `path` whole (as writeAllAtomic), only if nothing has that name: false when the name is
 * taken (what is there is left alone). Throws WriteError when it cannot be written.
 */
export function createExclusive(path: string, content: string, mode = 0o600): boolean {
  let tmp: string;
  try {
    tmp = writeTemp({ path, content, mode });
  } catch (e) {
    throw new WriteError(path, e);
  }
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new WriteError(path, e);
  } finally {
    removeQuietly(tmp);
  }
  syncDir(dirname(path));
  return true;
}

/**
 * Creates every file whole (as writeAllAtomic), only where nothing has its name, or none of them:
 * all temporary files first, then each is linked into place, which fails when the name is taken;
 * then the files it had created are removed again. Throws WriteError naming the file (code
 * EEXIST when its name was taken).
 */
export function createAllExclusive(writes: readonly BytesWrite[]): void {
  const tmps = writeTemps(writes);
  const dirs = new Set<string>();
  let i = 0;
  try {
    for (; i < writes.length; i++) {
      linkSync(tmps[i]!, writes[i]!.path);
      dirs.add(dirname(writes[i]!.path));
    }
  } catch (e) {
    for (const w of writes.slice(0, i)) removeQuietly(w.path);
    throw new WriteError(writes[i]!.path, e);
  } finally {
    for (const t of tmps) removeQuietly(t);
  }
  for (const d of dirs) syncDir(d);
}

/**
 * Removes the temporary files (`.NAME.PID.tmp`) that a writer killed between its write and its
 * rename left in `dir`: those whose PID is no longer alive. Returns what it removed.
 */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    const m = n.match(/^\..+\.(\d+)\.tmp$/);
    if (!m || isAlive(Number(m[1]))) continue;
    removeQuietly(join(dir, n));
    removed.push(join(dir, n));
  }
  return removed;
}

export function writeAtomic(path: string, content: string, mode = 0o600): void {
  writeAllAtomic([{ path, content, mode }]);
}

/** Writes only when the content differs; returns whether it wrote. */
export function writeIfChanged(path: string, content: string, mode = 0o600): boolean {
  if (readIfExists(path) === content) return false;
  writeAtomic(path, content, mode);
  return true;
}

export function removeIfExists(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or the directory refuses: nothing more to do
  }
}

export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A JSON state file of finit-pods' own (run dir). A file that is not valid JSON, or not what
 * `valid` accepts, reads as absent with `why`; its writer (`setAside`) moves it to
 * PATH.corrupt-TIMESTAMP, kept for a look, and rebuilds it: a bad state file is never fatal.
 */
export function readStateFile<T>(
  path: string,
  valid: (v: unknown) => v is T,
  opts: { setAside?: boolean } = {},
): { value?: T; setAside?: string; why?: string } {
  let text: string | undefined;
  let why: string;
  try {
    text = readIfExists(path);
    if (text === undefined) return {};
    const v = JSON.parse(text) as unknown;
    if (valid(v)) return { value: v };
    why = 'not the expected shape';
  } catch (e) {
    why = (e as Error).message;
  }
  if (!opts.setAside) return { why };
  const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    // cannot be moved (a directory in its place on a read-only run dir): read as absent
    return { why: `${why}; it could not be set aside: ${(e as Error).message}` };
  }
  return { setAside: aside, why };
}

// Reading a file that someone else may have put there: only a regular file of a bounded size is
// ever opened. Anything else (a FIFO, which would block a read forever; a device, which may act
// on open or never end; a directory) is refused by its type before it is opened, and the file is
// opened non-blocking and checked again, so nothing read here can hang or grow the process.

import { isUtf8 } from 'node:buffer';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs';
import { kib } from './limits.js';

/** Why a file could not be read; the message does not repeat the path (callers name it). */
export class FileError extends Error {
  constructor(
    readonly path: string,
    message: string,
    /** The errno code for a failed system call (ENOENT, EACCES, …); 'type' or 'size' otherwise. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'FileError';
  }
}

export interface FileText {
  text: string;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
  /** The real path when `path` is a symbolic link (or has one on the way), else undefined. */
  realPath?: string;
  /** 1-based lines that are not valid UTF-8 (decoded with U+FFFD in their place); empty when all are. */
  badUtf8Lines: readonly number[];
}

function typeName(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

const NONE: readonly number[] = Object.freeze([]);

/**
 * Reads a regular file of at most `maxBytes` as UTF-8. Throws FileError (ENOENT when absent, 'type'
 * for anything but a regular file, 'size' above the limit, or the failed call's code).
 * `followLinks: false` with a symlink gives realPath so a caller can tell where it points.
 */
export function readRegularFile(path: string, maxBytes: number): FileText {
  let realPath: string | undefined;
  let st: Stats;
  try {
    st = lstatSync(path);
    if (st.isSymbolicLink()) {
      st = statSync(path);
      realPath = realpathSync(path);
    }
  } catch (e) {
    throw sysError(path, e);
  }
  check(path, st, maxBytes);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw sysError(path, e);
  }
  try {
    const fst = fstatSync(fd);
    check(path, fst, maxBytes); // replaced between the look and the open
    const buf = Buffer.allocUnsafe(Math.min(fst.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw new FileError(path, `larger than ${kib(maxBytes)}`, 'size');
      if (n === buf.length) break;
    }
    const bytes = buf.subarray(0, n);
    const out: FileText = {
      text: bytes.toString('utf8'),
      mode: fst.mode & 0o7777,
      badUtf8Lines: isUtf8(bytes) ? NONE : invalidLines(bytes),
    };
    if (realPath !== undefined) out.realPath = realPath;
    return out;
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw sysError(path, e);
  } finally {
    closeSync(fd);
  }
}

/** A failed call, said as "ENOENT: no such file or directory" (the path is the caller's to name). */
function sysError(path: string, e: unknown): FileError {
  return new FileError(path, errnoText(e), (e as NodeJS.ErrnoException).code ?? 'EIO');
}

/** A failed call's message without Node's ", syscall 'path'" tail: the caller names the file. */
export function errnoText(e: unknown): string {
  return (e as Error).message.replace(/, \w+ '.*'$/s, '');
}

function check(path: string, st: Stats, maxBytes: number): void {
  if (!st.isFile()) throw new FileError(path, `${typeName(st)}, not a regular file`, 'type');
  if (st.size > maxBytes)
    throw new FileError(path, `larger than ${kib(maxBytes)} (${st.size} bytes)`, 'size');
}

/** The 1-based numbers of the lines (split at \n) that are not valid UTF-8. */
function invalidLines(bytes: Buffer): number[] {
  const bad: number[] = [];
  let start = 0;
  let line = 1;
  for (;;) {
    const nl = bytes.indexOf(10, start);
    const end = nl < 0 ? bytes.length : nl;
    if (!isUtf8(bytes.subarray(start, end))) bad.push(line);
    if (nl < 0) return bad;
    start = nl + 1;
    line++;
  }
}

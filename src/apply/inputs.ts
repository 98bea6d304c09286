// The files a unit reads when it runs, which its own text does not hold: a .build's context and
// Containerfile, a .kube's YAML. Their content is part of what the unit is, so a change to them
// is applied like a change to the unit (built again, played again). finit-pods' own directories
// are never part of an input: a context that holds them (`/`, `/etc`) would change with every sync
// that writes a stanza, and each sync would build again.

import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readRegularFile } from '../lib/readfile.js';

/** A YAML or Containerfile is read whole; larger files and directories are known by their stat. */
const MAX_READ = 4 * 1024 * 1024;
/** A build context this large is hashed no deeper (its first entries by name still count). */
const MAX_ENTRIES = 20_000;

/** One input's identity: the SHA-256 of a file's content, or of a directory's names, sizes and times. */
export type InputHash = { sha256: string } | { error: string };

/** `skip`: directories left out wherever they lie inside a directory input (finit-pods' own). */
export function hashInput(path: string, skip: ReadonlySet<string> = new Set()): InputHash {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    return {
      error: `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    };
  }
  const h = createHash('sha256');
  if (st.isFile() && st.size <= MAX_READ) {
    try {
      h.update(readRegularFile(path, MAX_READ).text);
    } catch (e) {
      return { error: (e as Error).message };
    }
  } else if (st.isDirectory()) {
    let seen = 0;
    const walk = (dir: string, rel: string): void => {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch (e) {
        h.update(`${rel}\0unreadable ${(e as Error).message}\n`);
        return;
      }
      for (const n of names) {
        if (++seen > MAX_ENTRIES) return;
        const p = join(dir, n);
        if (skip.has(resolve(p))) continue;
        const s = lstatSync(p, { throwIfNoEntry: false });
        if (!s) continue;
        h.update(`${rel}/${n}\0${s.mode}\0${s.size}\0${s.mtimeMs}\n`);
        if (s.isDirectory()) walk(p, `${rel}/${n}`);
      }
    };
    walk(path, '');
  } else h.update(`${st.mode}\0${st.size}\0${st.mtimeMs}`);
  return { sha256: h.digest('hex') };
}

// One applier at a time: the daemon's applies, a `finit-pods sync` and `doctor --fix` each hold
// RUN_DIR/sync.lock while they change anything, so two never run boot recovery or reload for the
// same change. The lock file holds its owner's PID and start time; an owner that is gone (killed,
// a power cut cannot leave one: /run is a tmpfs) leaves a stale lock, which the next one takes.

import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, startTime } from '../lib/proc.js';

export const lockPath = (runDir: string) => join(runDir, 'sync.lock');

const readLock = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

function ownerIn(text: string | undefined): number | undefined {
  const [pid = '', start = ''] = (text ?? '').trim().split(' ');
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 && isAlive(n, start) ? n : undefined;
}

/** The owner of the lock at `path`, or undefined when there is none or it is gone. */
export const lockOwner = (path: string): number | undefined => ownerIn(readLock(path));

function tryLock(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const text = readLock(path);
    if (ownerIn(text) !== undefined) return false;
    // stale: its owner is gone. Removed only if it is still that lock (another waiter may have
    // just taken it over)
    if (readLock(path) === text) {
      try {
        unlinkSync(path);
      } catch {
        // taken away by another waiter: try again
      }
    }
    return false;
  }
  try {
    writeSync(fd, `${process.pid} ${startTime('self')}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

export class LockTimeout extends Error {}

/**
 * Runs `fn` holding the lock, waiting up to `waitMs` for it (`onWait` is told once whom it waits
 * for). Throws LockTimeout when the lock stays taken.
 */
export async function withLock<T>(
  runDir: string,
  fn: () => Promise<T>,
  opts: { waitMs?: number; onWait?: (ownerPid: number | undefined) => void } = {},
): Promise<T> {
  mkdirSync(runDir, { recursive: true });
  const path = lockPath(runDir);
  const until = Date.now() + (opts.waitMs ?? 120_000);
  let told = false;
  while (!tryLock(path)) {
    if (!told) {
      opts.onWait?.(lockOwner(path));
      told = true;
    }
    if (Date.now() > until)
      throw new LockTimeout(
        `another finit-pods (pid ${lockOwner(path) ?? '?'}) is applying changes and did not finish within ${Math.round((opts.waitMs ?? 120_000) / 1000)} s (${path})`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // removed by hand: nothing to release
    }
  }
}

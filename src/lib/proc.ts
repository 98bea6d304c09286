// Whether a process that left its PID in a file (a lock, a temporary file's name) is still there.

import { readFileSync } from 'node:fs';

/** A process's start time in clock ticks since boot (/proc/PID/stat field 22); '' without /proc. */
export function startTime(pid: number | 'self'): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from its closing one
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/**
 * Whether PID `pid` runs; with `start` (its startTime when it was recorded), whether it is still
 * that process, not another that was given the PID since. A PID we may not signal counts as alive.
 */
export function isAlive(pid: number, start = ''): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return start === '' || startTime(pid) === '' || startTime(pid) === start;
}

// Running external programs (podman, initctl): always with a timeout, never through a shell.

import { execa } from 'execa';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export type Runner = (
  file: string,
  args: readonly string[],
  opts?: { timeoutMs?: number },
) => Promise<RunResult>;

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Runs a program and collects its output; never throws for a non-zero exit or a timeout. */
export const run: Runner = async (file, args, opts = {}) => {
  const r = await execa(file, args, {
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    reject: false,
    stdin: 'ignore',
    forceKillAfterDelay: 2000,
    env: { PODMAN_IGNORE_CGROUPSV1_WARNING: '1' },
  });
  return {
    exitCode: r.exitCode ?? (r.timedOut ? 124 : 1),
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    timedOut: r.timedOut,
  };
};

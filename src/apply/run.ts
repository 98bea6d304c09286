// Running external programs (podman, initctl): always with a timeout, never through a shell.
// Plain node:child_process: execa's import is paid by every command and by the daemon at boot
// before it can let any pod start.

import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export type Runner = (
  file: string,
  args: readonly string[],
  opts?: { timeoutMs?: number; cwd?: string },
) => Promise<RunResult>;

export const DEFAULT_TIMEOUT_MS = 30_000;
/** After the timeout: SIGTERM, then SIGKILL this much later if the program is still there. */
const KILL_AFTER_MS = 2000;
/** After the program exits, how long its output may take to drain (a child it left behind may hold it open). */
const DRAIN_MS = 250;

const stripFinalNewline = (s: string) => s.replace(/\r?\n$/, '');

/**
 * Runs a program and collects its output (a final newline removed); never throws: a non-zero
 * exit, a timeout (exit code 124) or a program that cannot be started (127, the reason on
 * stderr) are all in the result.
 */
export const run: Runner = (file, args, opts = {}) =>
  new Promise<RunResult>((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = (exitCode: number | null, why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      const stderr = stripFinalNewline(Buffer.concat(err).toString('utf8'));
      resolve({
        exitCode: exitCode ?? (timedOut ? 124 : 1),
        stdout: stripFinalNewline(Buffer.concat(out).toString('utf8')),
        stderr: why && !stderr ? why : stderr,
        timedOut,
      });
    };
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(file, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(opts.cwd ? { cwd: opts.cwd } : {}),
        env: { ...process.env, PODMAN_IGNORE_CGROUPSV1_WARNING: '1' },
      });
    } catch (e) {
      // refused before it ran (an argument with a NUL byte, too long a command line)
      resolve({ exitCode: 127, stdout: '', stderr: `${file}: ${(e as Error).message}`, timedOut: false });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => finish(127, `${file}: ${e.message}`));
    child.on('close', (code) => finish(timedOut ? null : code));
    child.on('exit', (code) => {
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(timedOut ? null : code);
      }, DRAIN_MS);
    });
  });

/**
 * A program an adapter ran failed: it exited non-zero, timed out, could not be started, or said
 * something the adapter cannot read (then `exitCode` may be 0). Every adapter method throws this
 * (or a subclass) for a failed call, so no caller can read a failure as an empty answer.
 */
export class CommandError extends Error {
  readonly command: string[];
  readonly exitCode: number;
  readonly stderr: string;
  readonly timedOut: boolean;
  constructor(message: string, command: readonly string[], r: Omit<RunResult, 'stdout'>) {
    super(message);
    this.name = new.target.name;
    this.command = [...command];
    this.exitCode = r.exitCode;
    this.stderr = r.stderr;
    this.timedOut = r.timedOut;
  }
}

/** What a failed call said: its error text (its output, else its exit code, when it said nothing). */
export const failureText = (r: RunResult): string => (r.stderr || r.stdout).trim() || `exit ${r.exitCode}`;

/** A failed adapter call's message; anything else (a bug) is thrown again. */
export function callFailure(e: unknown): string {
  if (e instanceof CommandError) return e.message;
  throw e;
}

/** An adapter call's answer, or its failure as `error` (never read as an empty answer). */
export async function attempt<T>(call: () => Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await call() };
  } catch (e) {
    return { error: callFailure(e) };
  }
}

// `check` of a large units directory in two processes. Translating 1,000 units keeps one CPU
// busy for ~110 ms, most of what `check` costs; on a machine with two or more CPUs a helper
// process (this same command line, marked by FINIT_PODS_CHECK_HELPER) translates the directory
// from its last unit down while this process goes from the first unit up (check-dir.ts), and
// they meet where they meet: neither waits for the other, and the output is the one-process
// output, in the same order, byte for byte. A helper that cannot start, or dies, or lists the
// directory differently only leaves more of the units to this process.
//
// The helper starts first thing (main.ts), before this process loads the commands: its first unit
// is done ~40 ms after it is started (Node's own start, then the command's), time this process
// spends on its own start and its first units. So this module loads nothing of finit-pods but
// the unit-file rules of parse/load.ts (which `check` loads next anyway).

import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { UNIT_FILE_NAME } from '../parse/load.js';
import { CHECK_OPTIONS } from './config.js';

/** What `check` prints of a unit: whether it is usable, and its diagnostics, formatted. */
export interface UnitReport {
  ok: boolean;
  lines: string[];
}

/**
 * Below this many units a directory is done about when a helper would start helping, and the
 * helper's start costs more than it saves (here: 300 units take 75 ms in one process, 87 in two;
 * 500 take 96 and 100; 700 take 113 and 105).
 */
const HELPER_MIN_UNITS = 600;
const HELPER_MARK = 'FINIT_PODS_CHECK_HELPER';

/** True in the helper process: `check` then runs check-dir.ts's runHelper instead. */
export const isHelper = (): boolean => process.env[HELPER_MARK] === '1';

let started: { dir: string; helper: Helper } | undefined;

/**
 * The directory a helper should share for `check ARGS`, if any: one directory of
 * HELPER_MIN_UNITS units or more, on a machine with two CPUs or more. FINIT_PODS_CHECK_JOBS=1:
 * never; =2: any directory, on any machine.
 */
export function helperDir(args: readonly string[]): string | undefined {
  const jobs = process.env.FINIT_PODS_CHECK_JOBS;
  if (isHelper() || jobs === '1' || (jobs !== '2' && availableParallelism() < 2)) return undefined;
  let positionals: string[];
  try {
    positionals = parseArgs({ args: [...args], options: CHECK_OPTIONS, allowPositionals: true }).positionals;
  } catch {
    return undefined; // `check` itself reports bad usage
  }
  if (positionals.length !== 1) return undefined;
  let units = 0;
  try {
    for (const name of readdirSync(positionals[0]!)) if (UNIT_FILE_NAME.test(name)) units++;
  } catch {
    return undefined; // a file, or not readable: nothing to share
  }
  return jobs === '2' || units >= HELPER_MIN_UNITS ? positionals[0] : undefined;
}

/** Starts a helper for `check ARGS` when helperDir says so; checkDir takes it. */
export function startCheckHelper(args: readonly string[]): void {
  const dir = helperDir(args);
  if (dir === undefined) return;
  try {
    // this command again (process.argv[1]: the installed launcher or dist/cli/main.js)
    started = { dir, helper: new Helper([...process.execArgv, process.argv[1]!, 'check', ...args]) };
  } catch {
    // no temporary file, or no process: one process
  }
}

/** The helper started for `dir`, if any: it is handed over once. */
export function takeHelper(dir: string): Helper | undefined {
  if (started?.dir !== dir) return undefined;
  const { helper } = started;
  started = undefined;
  return helper;
}

/** Stops a helper nobody took (the command failed before it got to the directory). */
export function stopUnusedHelper(): void {
  started?.helper.stop();
  started = undefined;
}

/**
 * The helper process, seen from the process that started it. It writes a line `units COUNT`,
 * then a line `POSITION OK DIAGNOSTICS-AS-JSON` for each unit from the last (COUNT-1) down, to
 * an unlinked temporary file that this process reads at its own pace (doneFrom). A pipe would
 * need this process to go back to its event loop to read, and each such turn costs more than
 * a read: it also runs whatever V8 has queued meanwhile (~0.4 ms a turn here, ~10 % of check).
 */
export class Helper {
  /** The helper's reports by position: every one from `low` up to its last unit. */
  readonly results = new Map<number, UnitReport>();
  /** How many units the helper listed (undefined until it says; -1: nothing of it is used). */
  private count: number | undefined;
  private low = 0;
  private readonly fd: number;
  /** How far the file has been read. */
  private read = 0;
  private readonly buf = Buffer.allocUnsafe(64 * 1024);
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private readonly child: ChildProcess;
  private stopped = false;

  /**
   * Runs `node NODE-ARGS` as the helper (with FINIT_PODS_CHECK_HELPER set). Throws when the
   * temporary file cannot be made (a helper that cannot start reports nothing and costs nothing).
   */
  constructor(nodeArgs: readonly string[]) {
    const path = join(tmpdir(), `finit-pods-check.${process.pid}.${Date.now()}`);
    this.fd = openSync(path, 'wx+', 0o600);
    unlinkSync(path);
    const env: NodeJS.ProcessEnv = { ...process.env, [HELPER_MARK]: '1' };
    // read at every Node start (~50 ms for a CA bundle), of no use to `check`
    delete env.NODE_EXTRA_CA_CERTS;
    delete env.FINIT_PODS_CODE_CACHE; // (tools/bundle.mjs's: only the command writes the cache)
    // loaded here, not with this module: node:child_process brings net, dgram and more (~4 ms),
    // which neither `check` in one process nor the helper itself needs
    const { spawn } = process.getBuiltinModule('node:child_process');
    try {
      this.child = spawn(process.execPath, nodeArgs, { env, stdio: ['ignore', this.fd, 'ignore'] });
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
    this.child.on('error', () => {
      // it could not start: this process translates every unit
    });
  }

  /**
   * The lowest position the helper has done in a directory of `count` units, as far as it has
   * written: `count` while it has done none, or when it listed another number of units (the
   * directory changed between) or wrote something else than its lines.
   */
  doneFrom(count: number): number {
    this.poll();
    return this.count === count ? this.low : count;
  }

  /** Reads what the helper has written since the last look (nothing once it is stopped). */
  private poll(): void {
    while (!this.stopped) {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, this.read);
      if (n === 0) return;
      this.read += n;
      if (!this.take(this.decoder.write(this.buf.subarray(0, n)))) return;
    }
  }

  /** Takes whole lines; one out of order or not understood ends what is taken from it. */
  private take(chunk: string): boolean {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop()!;
    for (let i = 0; i < lines.length; i++) {
      const [at, ok, json] = lines[i]!.split('\t');
      try {
        if (this.count === undefined) {
          if (at !== 'units' || !/^\d+$/.test(ok ?? '')) throw new Error('no unit count');
          this.count = this.low = Number(ok);
          continue;
        }
        if (Number(at) !== this.low - 1 || json === undefined) throw new Error('out of order');
        this.results.set(this.low - 1, { ok: ok === '1', lines: JSON.parse(json) as string[] });
        this.low--;
      } catch {
        this.count = -1;
        this.stop();
        return false;
      }
    }
    return true;
  }

  /** Ends the helper; what it had written and was read stays in `results`. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.child.kill('SIGKILL');
    closeSync(this.fd);
  }
}

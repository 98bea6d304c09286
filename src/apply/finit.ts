// The Finit adapter: everything finit-pods asks of Finit goes through initctl (Finit's own
// socket is SOCK_SEQPACKET, which node:net cannot open). A call that failed throws FinitError.

import { lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findProgram } from '../lib/programs.js';
import { finitCaps, parseFinitVersion } from '../render/finit.js';
import { type FinitService, parseStatusDetail, parseStatusJson, parseStatusTable } from './finit-status.js';
import { CommandError, failureText, type Runner, type RunResult, run } from './run.js';

export interface Finit {
  readonly initctl: string;
  version(): Promise<string>;
  reload(): Promise<void>;
  condGet(name: string): Promise<boolean>;
  condSet(name: string): Promise<void>;
  /** `initctl cond clear usr/NAME`: every service that waits for it stops. */
  condClear(name: string): Promise<void>;
  /**
   * Every service Finit knows (`initctl -j status` on Finit 4.4 and later, the text table before;
   * `version` is Finit's, from version()). The identities in `expect` that the list lacks are
   * asked for one by one: a list read while another program lists services has gaps. A failed
   * call throws: it is never "no services".
   */
  services(version: string, expect?: readonly string[]): Promise<FinitService[]>;
  /** `initctl restart IDENT`, e.g. `pod:web`. */
  restart(ident: string): Promise<void>;
  /** `initctl stop IDENT`: Finit stops it and does not restart it (until a start, or a reload on 4.2). */
  stop(ident: string): Promise<void>;
}

/** initctl's exit code for a service it does not know (4.4 and later). */
const NO_SUCH_SERVICE = 69;

const CANDIDATES = ['/sbin/initctl', '/usr/sbin/initctl', '/lib/finit/initctl', '/usr/lib/finit/initctl'];

/** initctl: $FINIT_PODS_INITCTL, then PATH, then where distributions put it. */
export function findInitctl(env = process.env): string | undefined {
  if (env.FINIT_PODS_INITCTL) return env.FINIT_PODS_INITCTL;
  return findProgram('initctl', { path: env.PATH ?? '', also: CANDIDATES });
}

/** An initctl call failed: command, exit code and stderr as CommandError carries them. */
export class FinitError extends CommandError {}

export function initctlFinit(initctl: string, exec: Runner = run): Finit {
  const error = (message: string, args: string[], r: RunResult) =>
    new FinitError(message, [initctl, ...args], r);
  /** Runs initctl; a timeout throws, the exit code is the caller's to judge. */
  const call = async (args: string[], timeoutMs = 10_000) => {
    const r = await exec(initctl, args, { timeoutMs });
    if (r.timedOut) throw error(`initctl ${args.join(' ')} timed out after ${timeoutMs / 1000} s`, args, r);
    return r;
  };
  /** Runs initctl; a non-zero exit throws too. */
  const ok = async (args: string[], timeoutMs?: number) => {
    const r = await call(args, timeoutMs);
    if (r.exitCode !== 0) throw error(`initctl ${args.join(' ')} failed: ${failureText(r)}`, args, r);
    return r;
  };
  /** Every service, as one walk of Finit's list gives it. */
  const readList = async (json: boolean): Promise<FinitService[]> => {
    if (json) {
      const r = await ok(['-j', 'status']);
      // Before 4.16 -j does not escape quotes in strings: the table, when the JSON breaks
      try {
        return parseStatusJson(r.stdout);
      } catch {
        // the table below
      }
    }
    return parseStatusTable((await ok(['-p', '-t', 'status'])).stdout);
  };
  /** One service by its identity; undefined when Finit does not know it. */
  const readOne = async (ident: string, json: boolean): Promise<FinitService | undefined> => {
    if (json) {
      const r = await call(['-j', 'status', ident]);
      if (r.exitCode === NO_SUCH_SERVICE) return undefined;
      if (r.exitCode !== 0)
        throw error(`initctl -j status ${ident} failed: ${failureText(r)}`, ['-j', 'status', ident], r);
      try {
        const svc = parseStatusJson(`[${r.stdout}]`)[0];
        if (svc?.identity === ident) return svc;
      } catch {
        // the text below
      }
    }
    const args = ['-b', '-p', 'status', ident];
    const r = await call(args);
    // before 4.4 initctl says nothing and exits 255 for a service it does not know
    if (r.exitCode === NO_SUCH_SERVICE || (r.exitCode === 255 && r.stdout.trim() === '')) return undefined;
    const svc = r.exitCode === 0 ? parseStatusDetail(r.stdout) : undefined;
    if (!svc) throw error(`initctl ${args.join(' ')} failed: ${failureText(r)}`, args, r);
    return svc;
  };
  return {
    initctl,
    async version() {
      const r = await call(['version']);
      const v = parseFinitVersion(r.stdout);
      if (!v)
        throw error(
          `cannot tell Finit's version from "initctl version": ${(r.stdout || r.stderr).trim()}`,
          ['version'],
          r,
        );
      return v;
    },
    async reload() {
      await ok(['reload']);
    },
    async condGet(name) {
      // What `initctl cond get` reads, without starting it (boot recovery asks before anything)
      const known = condFromFiles(name);
      if (known !== undefined) return known;
      // `cond get` exists from Finit 4.3; on 4.2 read the condition's file instead
      const r = await call(['cond', 'get', name]);
      if (/no such command/i.test(r.stdout + r.stderr)) return condFromFiles(name) === true;
      if (r.exitCode === 0) return true;
      if (r.exitCode === 1) return false;
      return condFromFiles(name) === true;
    },
    async condSet(name) {
      await ok(['cond', 'set', name]);
    },
    async condClear(name) {
      await ok(['cond', 'clear', name]);
    },
    async services(version, expect = []) {
      const json = finitCaps(version).serviceConditions;
      const list = await readList(json);
      // Finit walks its list with one iterator shared by every client, so a list read while another
      // program reads it has gaps; a service asked for by name does not use that iterator
      const named = new Set(list.map((s) => s.identity));
      const missing = [...new Set(expect)].filter((id) => !named.has(id));
      const found = await Promise.all(missing.map((id) => readOne(id, json)));
      return [...list, ...found.filter((s) => s !== undefined)];
    },
    async restart(ident) {
      await ok(['restart', ident], 30_000);
    },
    async stop(ident) {
      await ok(['stop', ident], 30_000);
    },
  };
}

/**
 * Finit keeps its conditions as files: usr/NAME is set when COND_DIR/usr/NAME exists (a symlink,
 * on or in flux, which `cond get` also counts as set here). COND_DIR/usr/ itself appears with
 * the first usr/ condition set (Finit 4.12 boots without it): with COND_DIR there and usr/ not,
 * none is set. Undefined when Finit's condition directory is not there: then initctl answers.
 */
export function condFromFiles(name: string, dir = COND_DIR): boolean | undefined {
  try {
    lstatSync(join(dir, 'usr', name));
    return true;
  } catch {
    // not set, or not there
  }
  try {
    return statSync(dir).isDirectory() ? false : undefined;
  } catch {
    return undefined;
  }
}

const COND_DIR = '/run/finit/cond';

// Fakes of the two edges (src/apply/finit.ts, src/apply/run.ts) for tests without a machine:
// a Finit that answers from its fields, and a Runner that answers from a table of command lines.
// Both record every call, so a test can count them and see their order.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finit } from '../../src/apply/finit.js';
import type { FinitService } from '../../src/apply/finit-status.js';
import type { Runner, RunResult } from '../../src/apply/run.js';

export interface FakeFinit extends Finit {
  /** What condGet answers; condSet sets it. */
  ready: boolean;
  /** A message here makes that call throw it (and not be recorded). */
  fail: Partial<
    Record<
      'version' | 'reload' | 'condGet' | 'condSet' | 'condClear' | 'services' | 'restart' | 'stop',
      string
    >
  >;
  /** The calls that returned, in order: version, reload, cond get/set/clear NAME, services, restart/stop IDENT. */
  calls: string[];
  reloads(): number;
}

/**
 * `calls` may be the test's own array, so Podman's calls can be pushed beside Finit's. Methods
 * read the fake through its name, not `this`: `{ ...fake, reload }` keeps the rest working.
 */
export function fakeFinit(
  opts: { version?: string; ready?: boolean; services?: FinitService[]; calls?: string[] } = {},
): FakeFinit {
  const did = (call: string, what: keyof FakeFinit['fail']) => {
    if (fake.fail[what]) throw new Error(fake.fail[what]);
    fake.calls.push(call);
  };
  const fake: FakeFinit = {
    initctl: '/fake/initctl',
    ready: opts.ready ?? false,
    fail: {},
    calls: opts.calls ?? [],
    reloads: () => fake.calls.filter((c) => c === 'reload').length,
    async version() {
      did('version', 'version');
      return opts.version ?? '4.12';
    },
    async reload() {
      did('reload', 'reload');
    },
    async condGet(name) {
      did(`cond get ${name}`, 'condGet');
      return fake.ready;
    },
    async condSet(name) {
      did(`cond set ${name}`, 'condSet');
      fake.ready = true;
    },
    async condClear(name) {
      did(`cond clear ${name}`, 'condClear');
    },
    async services() {
      did('services', 'services');
      return opts.services ?? [];
    },
    async restart(ident) {
      did(`restart ${ident}`, 'restart');
    },
    async stop(ident) {
      did(`stop ${ident}`, 'stop');
    },
  };
  return fake;
}

export type FakeRunner = Runner & { calls: string[] };

/**
 * A Runner answering from a table of "FILE ARG…" → result (exit 0 and no output unless given):
 * the exact command line, else the longest key it begins with ("/usr/bin/podman ps" answers
 * every listing), else `otherwise` (by default exit 127, as for a program that is not there).
 * Every call is recorded in `calls` as its command line.
 */
export function fakeRunner(
  answers: Record<string, Partial<RunResult>>,
  otherwise?: Partial<RunResult>,
): FakeRunner {
  const calls: string[] = [];
  const runner = (async (file: string, args: readonly string[]) => {
    const line = [file, ...args].join(' ');
    calls.push(line);
    const key = Object.keys(answers)
      .filter((k) => line === k || line.startsWith(`${k} `))
      .sort((a, b) => b.length - a.length)[0];
    const a =
      key === undefined
        ? (otherwise ?? { exitCode: 127, stderr: `fake: no answer for ${line}` })
        : answers[key];
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...a };
  }) as FakeRunner;
  runner.calls = calls;
  return runner;
}

export const BUSYBOX = 'localhost/busybox:latest';

/** What a real podman's `podman run --help` prints: 4.3.1 (Debian bookworm), 5.4.2 (trixie). */
export const runHelp = (version: '4.3.1' | '5.4.2'): string =>
  readFileSync(join(import.meta.dirname, `podman-run-help-${version}.txt`), 'utf8');

/**
 * Podman (5.4) at `podman` with no containers and only BUSYBOX; every other call succeeds, silent.
 * `answers` add to or replace these.
 */
export const idlePodman = (podman: string, answers: Record<string, Partial<RunResult>> = {}): FakeRunner =>
  fakeRunner(
    {
      [`${podman} ps`]: { stdout: '[]' },
      [`${podman} images`]: { stdout: JSON.stringify([{ Id: 'a1b2c3d4e5f6', Names: [BUSYBOX] }]) },
      [`${podman} run --help`]: { stdout: runHelp('5.4.2') },
      [`${podman} --version`]: { stdout: 'podman version 5.4.2\n' },
      ...answers,
    },
    {},
  );

/** What sync, applyLocked and the Daemon take: a fake Finit and an idle Podman. */
export const fakeHost = (podman: string) => ({ finit: fakeFinit(), exec: idlePodman(podman) });

#!/usr/bin/env node
// Reliability on the real stack (issue 14): the daemon as a Finit service in a testbed sandbox
// (tools/testbed), real Finit, real Podman, each scenario in a sandbox of its own, each figure
// printed next to its target. Exit 1 when a target is missed.
//   kill      the daemon killed with SIGKILL at random points while it applies batches of
//             changing units: no partial stanza on disk, each restart converges, unchanged pods
//             keep their containers;
//   storm     many edits in one second across many units: few reloads, the exact final state;
//   faults    podman hanging and failing, initctl failing, ENOSPC, a read-only finit dir, the
//             units dir removed and recreated, a corrupt run dir, an image that is missing:
//             no running pod stopped, each fault reported, and cleared without a command;
//   powercut  power cuts in a row with pods running: all back each time, none crashed.
// Environment: STRESS_STACK (a stack of tools/testbed), STRESS_SCENARIOS (some of the above),
// STRESS_KILLS, STRESS_POWERCUTS, STRESS_PODS, STRESS_EDITS, STRESS_STORM_UNITS,
// STRESS_FAULT_HOLD_MS, STRESS_HANG_MS, STRESS_NAME (sandbox name prefix), STRESS_RESULTS (a
// file the figures are written to as JSON, for test/testbed/reliability.test.ts), STRESS_SEED.
// Needs root and a build (dist/).
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const env = process.env;
const num = (k, d) => (env[k] === undefined || env[k] === '' ? d : Number(env[k]));
const STACK = env.STRESS_STACK ?? 'bookworm';
const KILLS = num('STRESS_KILLS', 200);
const POWERCUTS = num('STRESS_POWERCUTS', 20);
const PODS = num('STRESS_PODS', 10);
const EDITS = num('STRESS_EDITS', 1000);
const STORM_UNITS = num('STRESS_STORM_UNITS', 50);
const HOLD_MS = num('STRESS_FAULT_HOLD_MS', 8000);
// podman's own calls time out after 60 s: a longer hang shows whether the daemon gets past it
const HANG_MS = num('STRESS_HANG_MS', 75_000);
const SCENARIOS = (env.STRESS_SCENARIOS || 'kill storm faults powercut lock').split(/[\s,]+/).filter(Boolean);
const PREFIX = env.STRESS_NAME ?? 'stress';
let seed = num('STRESS_SEED', Date.now() % 2147483647) || 1;

// where the stack has node and initctl (tools/testbed refuses an unknown stack)
const { node: NODE, initctl: INITCTL } = JSON.parse(
  execFileSync(join(repo, 'tools/testbed'), ['-s', STACK, 'info'], { encoding: 'utf8', timeout: 10_000 }),
);
const CLI = `${repo}/dist/cli/launch.cjs`;
const IMAGE = 'localhost/busybox:latest';
const MARK = '# finit-pods: generated';
const ENABLED = '/etc/finit.d/enabled';
const RUN_DIR = '/run/finit-pods';
/** The harness' scripts: on the persistent storage bind, so they survive power cuts. */
const S = '/var/lib/containers/fp-stress';
/** Its per-boot files: the daemon's JSON log and the initctl calls (timestamped). */
const R = '/run/fp-stress';
const LOG = `${R}/daemon.log`;
const CALLS = `${R}/initctl.calls`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = () => {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const say = (line) => process.stderr.write(`stress ${STACK}: ${line}\n`);

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first`);

// ------------------------------------------------------------------------------------ sandbox

function run(file, args, { timeout = 120_000, input, extraEnv = {} } = {}) {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { encoding: 'utf8', timeout, maxBuffer: 1 << 26, env: { ...env, FINIT_PODS_DIR: repo, ...extraEnv } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr, timedOut: Boolean(err?.killed) });
      },
    );
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

class Box {
  constructor(name, binds = []) {
    this.name = `${PREFIX}-${name}`;
    this.binds = binds;
    this.pid = undefined;
  }
  async tool(args, opts = {}) {
    const extraEnv = this.binds.length ? { FINIT_PODS_TESTBED_BINDS: this.binds.join(' ') } : {};
    const r = await run(join(repo, 'tools/testbed'), ['-s', STACK, '-n', this.name, ...args], {
      ...opts,
      extraEnv,
    });
    if (r.code !== 0 && !opts.ok) {
      throw new Error(
        `tools/testbed -n ${this.name} ${args.join(' ')}: exit ${r.code}\n${r.stderr.slice(-2000)}`,
      );
    }
    return r;
  }
  exec(argv, opts) {
    return this.tool(['exec', ...argv], opts);
  }
  sh(script, opts) {
    return this.tool(['sh', script], opts);
  }
  async boot() {
    await this.tool(['setup']);
    await this.start();
    await this.tool(['import-image'], { timeout: 300_000 });
    this.dir = (await this.tool(['dir'])).stdout.trim();
  }
  async start() {
    await this.tool(['start'], { timeout: 120_000 });
    this.pid = Number((await this.tool(['pid'])).stdout.trim());
    this.pidNs = readlinkSync(`/proc/${this.pid}/ns/pid`);
  }
  async powerCut() {
    await this.tool(['stop']);
    this.pid = undefined;
  }
  async destroy() {
    await this.tool(['destroy'], { ok: true });
  }
  /** Host path of a file inside (through Finit's root: sees the sandbox's own mounts). */
  p(inside) {
    return `/proc/${this.pid}/root${inside}`;
  }
  read(inside) {
    try {
      return readFileSync(this.p(inside), 'utf8');
    } catch {
      return undefined;
    }
  }
  /** Writes a file inside by a temporary name and rename(), as an editor or cp would. */
  write(inside, text, mode) {
    const file = this.p(inside);
    mkdirSync(dirname(file), { recursive: true });
    const tmp = join(dirname(file), `.${inside.split('/').pop()}.stress-tmp`);
    writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
    renameSync(tmp, file);
  }
  remove(inside) {
    rmSync(this.p(inside), { force: true, recursive: true });
  }
  /**
   * `initctl -p -t status`: ident → {pid, status}. Finit walks its list with one iterator shared
   * by every client, so a list read while the daemon reads one has gaps: it is read until two
   * reads in a row name the same services.
   */
  async services() {
    const read = async () => {
      const r = await this.exec([INITCTL, '-p', '-t', 'status'], { ok: true, timeout: 30_000 });
      const rows = new Map();
      for (const line of r.stdout.split('\n')) {
        const m = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+\[/.exec(line);
        if (m) rows.set(m[2], { pid: Number(m[1]), status: m[3] });
      }
      return rows;
    };
    const names = (rows) => [...rows.keys()].join(' ');
    let last = await read();
    for (let n = 0; n < 10; n++) {
      const now = await read();
      if (names(now) === names(last)) return now;
      last = now;
    }
    throw new Error('initctl status named other services at each of 11 reads');
  }
  /** Running containers: name → {id, hash (its io.finit-pods.hash label)}. */
  async containers() {
    const r = await this.exec(
      ['podman', 'ps', '--no-trunc', '--format', '{{.Names}}|{{.ID}}|{{index .Labels "io.finit-pods.hash"}}'],
      { ok: true, timeout: 60_000 },
    );
    if (r.code !== 0) throw new Error(`podman ps: ${r.stderr}`);
    const out = new Map();
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [name, id, hash] = line.split('|');
      out.set(name, { id, hash });
    }
    return out;
  }
  /** `finit-pods ARGS` inside, with extra environment. */
  cli(args, extraEnv = [], timeout = 180_000) {
    return this.exec(['env', ...extraEnv, NODE, CLI, ...args], { ok: true, timeout });
  }
  /** Host PIDs of the daemon (node running launch.cjs daemon) in the sandbox's pid namespace. */
  daemonPids() {
    const pids = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if (readlinkSync(`/proc/${d}/ns/pid`) !== this.pidNs) continue;
        const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        if (argv.includes(CLI) && argv.includes('daemon')) pids.push(Number(d));
      } catch {
        // gone meanwhile
      }
    }
    return pids;
  }
  /** The daemon's JSON log lines of this boot. */
  log() {
    const out = [];
    for (const line of (this.read(LOG) ?? '').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        out.push({ level: 60, msg: line });
      }
    }
    return out;
  }
  /** initctl calls of this boot: [{t (ms since the epoch), args}]. */
  initctlCalls() {
    return (this.read(CALLS) ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const i = l.indexOf(' ');
        return { t: Number(l.slice(0, i)) * 1000, args: l.slice(i + 1) };
      });
  }
  reloads() {
    return this.initctlCalls().filter((c) => c.args === 'reload');
  }
}

async function until(what, fn, timeout = 60_000, interval = 300) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(interval);
  }
}

// ------------------------------------------------------------------------------------ the daemon

/**
 * The harness around the daemon: an initctl that logs each call with its time (the reloads are
 * counted, and their times say whether Finit has read the stanzas on disk), a podman and an
 * initctl that hang or fail while a flag file exists (only for the daemon: FP_FAULTS is in its
 * environment, not in the pods'), and the daemon's wrapper, which appends its JSON log to LOG.
 * `loop` keeps the daemon in a shell loop instead of Finit's respawn, whose back-off (2 s, then
 * 5 s) would make hundreds of kills take an hour.
 */
async function installDaemon(box, { loop = false, faults = false, unitsDir } = {}) {
  const initctl = `#!/bin/sh
mkdir -p ${R}
echo "$(date +%s.%N) $*" >>${CALLS}
if [ -n "$FP_FAULTS" ] && [ -e ${S}/initctl.fail ]; then echo "initctl: injected failure" >&2; exit 1; fi
exec ${INITCTL} "$@"
`;
  const podman = `#!/bin/sh
if [ -n "$FP_FAULTS" ]; then
  while [ -e ${S}/podman.hang ]; do sleep 0.2; done
  if [ -e ${S}/podman.fail ]; then echo "Error: injected podman failure" >&2; exit 125; fi
fi
exec /usr/bin/podman "$@"
`;
  const vars = [`FINIT_PODS_INITCTL=${S}/initctl`];
  if (faults) vars.push(`FINIT_PODS_PODMAN=${S}/podman`, 'FP_FAULTS=1');
  if (unitsDir) vars.push(`FINIT_PODS_UNITS_DIR=${unitsDir}`);
  const cmd = `env ${vars.join(' ')} ${NODE} ${CLI} daemon --log-format json >>${LOG} 2>&1`;
  const wrapper = loop
    ? `#!/bin/sh\nmkdir -p ${R}\nwhile :; do\n  ${cmd}\n  sleep 0.3\ndone\n`
    : `#!/bin/sh\nmkdir -p ${R}\nexec ${cmd}\n`;
  box.write(`${S}/initctl`, initctl, 0o755);
  box.write(`${S}/podman`, podman, 0o755);
  box.write(`${S}/daemon.sh`, wrapper, 0o755);
  box.write(
    '/etc/finit.d/fp-stress.conf',
    `service [2345] name:finit-pods ${S}/daemon.sh -- finit-pods daemon\n`,
  );
  await box.exec([INITCTL, 'reload']);
  await until('the daemon to log "watching"', () => box.log().some((r) => r.msg === 'watching'), 90_000);
}

/** `sync` through the daemon (an initctl that does not exist: the client cannot do it itself). */
async function syncViaDaemon(box, args = ['--wait', '--json'], timeout = 180_000) {
  const r = await box.cli(['sync', ...args], ['FINIT_PODS_INITCTL=/nonexistent/initctl'], timeout);
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    report = undefined;
  }
  return { ...r, report };
}

// ------------------------------------------------------------------------------------ units

const unitText = (v, { rescue = false, image = IMAGE } = {}) =>
  `[Unit]\nDescription=stress ${v}\n\n[Container]\nImage=${image}\nExec=sleep 100000\nEnvironment=V=${v.replace(/\W/g, '_')}\nStopTimeout=1\n${
    rescue ? '\n[Install]\nWantedBy=rescue.target\n' : ''
  }`;

// ------------------------------------------------------------------------------------ the checks

const TMP_RE = /(^\.|\.tmp$|\.tmp-|\.new$)/;

/**
 * Every stanza file in the finit dir: each pod-*.conf and pod-*.argv whole (the marker first, a
 * final newline, the service line; the argv's lines all of the format, with @run and @stop), and
 * the temporary files left. Returns {pods: pod → {conf, argv, confHash, argvHash}, bad, tmp}.
 */
function scanStanzas(box) {
  const dir = box.p(ENABLED);
  const pods = new Map();
  const bad = [];
  const tmp = [];
  for (const f of readdirSync(dir)) {
    if (f === '.stress-fill') continue;
    if (TMP_RE.test(f)) {
      tmp.push(f);
      continue;
    }
    const m = /^pod-(.+)\.(conf|argv)$/.exec(f);
    if (!m) continue;
    let text;
    try {
      text = readFileSync(join(dir, f), 'utf8');
    } catch {
      continue; // removed meanwhile
    }
    const e = pods.get(m[1]) ?? {};
    pods.set(m[1], e);
    const why = m[2] === 'conf' ? confProblem(text, e) : argvProblem(text, e);
    if (why) bad.push(`${f}: ${why}`);
  }
  return { pods, bad, tmp };
}

function confProblem(text, e) {
  e.conf = text;
  if (!text.startsWith(MARK)) return 'does not start with the marker';
  if (!text.endsWith('\n')) return 'no final newline';
  const m = /^service .*\/finit-pods-run (\S+) ([0-9a-f]+) -- /m.exec(text);
  if (!m) return 'no service line';
  e.confHash = m[2];
  return undefined;
}

function argvProblem(text, e) {
  e.argv = text;
  if (!text.startsWith(MARK)) return 'does not start with the marker';
  if (!text.endsWith('\n')) return 'no final newline';
  const lines = text.slice(0, -1).split('\n');
  const odd = lines.find((l) => !/^(#.*|[A-Z_]+=.*|@[a-z]+| .*)$/.test(l));
  if (odd !== undefined) return `a line not of the format: ${JSON.stringify(odd.slice(0, 60))}`;
  const sections = lines.filter((l) => l.startsWith('@'));
  if (!sections.includes('@run') || !sections.includes('@stop')) return `sections ${sections.join(' ')}`;
  const run = lines.indexOf('@run');
  if (!lines[run + 1]?.startsWith(' ')) return 'an empty @run section';
  e.argvHash = /^ io\.finit-pods\.hash=([0-9a-f]+)$/m.exec(text)?.[1];
  if (!e.argvHash) return 'no hash label in @run';
  return undefined;
}

/**
 * The exact state, or why not: the stanzas on disk are all whole, one pair per expected pod and
 * none else, no temporary file; argv and conf of a pod agree (the same hash); a sync through the
 * daemon has nothing left to do (the disk is what the units render to); with `finitSeen`, Finit
 * was reloaded after the finit dir last changed; with `pods`, every pod meant to run runs a
 * container with its stanza's hash, and Finit says running.
 */
async function exactState(
  box,
  expected,
  { pods = false, finitSeen = false, sync = true, allowKept = [], orphans, leftTmp } = {},
) {
  const scan = scanStanzas(box);
  if (scan.bad.length) return `partial or invalid: ${scan.bad.join('; ')}`;
  // temporary files a killed writer left are counted apart when asked (Finit never reads them)
  if (leftTmp) for (const f of scan.tmp) leftTmp.add(f);
  else if (scan.tmp.length) return `temporary files left: ${scan.tmp.join(' ')}`;
  const want = [...expected.keys()].sort();
  // a pod-NAME.argv left without its .conf is counted apart when asked (it changes nothing Finit runs)
  const orphan = (p) => !want.includes(p) && scan.pods.get(p).conf === undefined;
  if (orphans) for (const p of scan.pods.keys()) if (orphan(p)) orphans.add(p);
  const have = [...scan.pods.keys()]
    .filter((p) => want.includes(p) || (isOurs(p) && !(orphans && orphan(p))))
    .sort();
  if (want.join() !== have.join()) return `stanzas for [${have.join(' ')}], expected [${want.join(' ')}]`;
  for (const [pod, e] of scan.pods) {
    if (!want.includes(pod)) continue;
    if (e.conf === undefined || e.argv === undefined)
      return `pod-${pod}: ${e.conf ? 'no .argv' : 'no .conf'}`;
    if (e.confHash !== e.argvHash) return `pod-${pod}: conf hash ${e.confHash}, argv hash ${e.argvHash}`;
  }
  if (sync) {
    const s = await syncViaDaemon(box);
    if (s.code !== 0 || !s.report) return `sync --wait: exit ${s.code} ${s.stderr.trim().slice(0, 300)}`;
    const busy = s.report.units.filter(
      (u) => u.state !== 'unchanged' && !(u.state === 'kept' && allowKept.includes(u.pod)),
    );
    if (busy.length || s.report.reloaded)
      return `sync --wait still had work: ${busy.map((u) => `${u.pod ?? u.file} ${u.state}`).join(', ')}${s.report.reloaded ? ' (reloaded)' : ''}`;
  }
  if (finitSeen) {
    const changed = statSync(box.p(ENABLED)).mtimeMs;
    const last = box.reloads().at(-1)?.t ?? 0;
    if (last < changed)
      return `the finit dir changed ${Math.round(changed - last)} ms after the last reload: Finit has not read it`;
  }
  if (pods) {
    const ctrs = await box.containers();
    const svc = await box.services();
    for (const [pod, e] of expected) {
      if (!e.running) continue;
      const hash = scan.pods.get(pod)?.confHash;
      const c = ctrs.get(pod);
      if (!c) return `pod ${pod}: no running container`;
      if (c.hash !== hash) return `pod ${pod}: container hash ${c.hash}, stanza ${hash}`;
      if (svc.get(`pod:${pod}`)?.status !== 'running')
        return `pod:${pod}: Finit says ${svc.get(`pod:${pod}`)?.status}`;
    }
  }
  return true;
}

let ourPrefix = '';
const isOurs = (pod) => pod.startsWith(ourPrefix);

async function waitExact(box, expected, opts = {}, timeout = 90_000) {
  const t0 = Date.now();
  let why = '';
  for (;;) {
    why = await exactState(box, expected, opts).catch((e) => e.message);
    if (why === true) return { ok: true, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeout) return { ok: false, ms: Date.now() - t0, why };
    await sleep(500);
  }
}

// ------------------------------------------------------------------------------------ scenarios

const results = {};
const lines = [];
let failed = false;
function figure(line, ok) {
  lines.push(`${line}${ok ? '' : '  <-- MISSES'}`);
  console.log(`${line}${ok ? '' : '  <-- MISSES'}`);
  if (!ok) failed = true;
}

async function scenarioKill() {
  const box = new Box('kill');
  ourPrefix = 'k-';
  await box.boot();
  try {
    await installDaemon(box, { loop: true });
    const expected = new Map();
    const stable = ['k-stable-0', 'k-stable-1', 'k-stable-2'];
    const running = ['k-run-0', 'k-run-1', 'k-run-2'];
    const rescue = Array.from({ length: 6 }, (_, i) => `k-res-${i}`);
    for (const p of [...stable, ...running]) expected.set(p, { running: true });
    for (const p of rescue) expected.set(p, { running: false });
    for (const p of expected.keys())
      box.write(`/cfg/containers/${p}.container`, unitText(`${p} 0`, { rescue: !expected.get(p).running }));
    const first = await waitExact(box, expected, { pods: true, finitSeen: true }, 180_000);
    if (!first.ok) throw new Error(`kill: the first state never settled: ${first.why}`);
    const ids0 = await box.containers();
    const stableIds = new Map(stable.map((p) => [p, ids0.get(p)?.id]));

    let partial = 0;
    let converged = 0;
    let tmpAtKill = 0;
    const seenTmp = new Set();
    let noDaemon = 0;
    let midApply = 0;
    const orphans = new Set();
    const leftTmp = new Set();
    let fullOk = 0;
    let fullN = 0;
    let restarted = 0;
    const failures = [];
    const partials = [];
    let added = 0;
    const extra = [];
    for (let k = 1; k <= KILLS; k++) {
      // a batch: two edits of runlevel-1 pods, one added, one removed, and every third round a
      // running pod edited (it restarts)
      for (let i = 0; i < 2; i++) {
        const p = pick(rescue);
        box.write(`/cfg/containers/${p}.container`, unitText(`${p} ${k}.${i}`, { rescue: true }));
      }
      const a = `k-add-${added++}`;
      extra.push(a);
      expected.set(a, { running: false });
      box.write(`/cfg/containers/${a}.container`, unitText(`${a}`, { rescue: true }));
      if (extra.length > 3) {
        const gone = extra.splice(Math.floor(rand() * (extra.length - 1)), 1)[0];
        expected.delete(gone);
        box.remove(`/cfg/containers/${gone}.container`);
      }
      if (k % 3 === 0) {
        const p = pick(running);
        box.write(`/cfg/containers/${p}.container`, unitText(`${p} ${k}`));
      }
      const watching = box.log().filter((r) => r.msg === 'watching').length;
      await sleep(Math.floor(rand() * 1500));
      let pids = box.daemonPids();
      if (pids.length === 0) {
        noDaemon++;
        pids = await until(
          'a daemon to kill',
          () => (box.daemonPids().length ? box.daemonPids() : undefined),
          30_000,
        );
      }
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // it ended by itself
        }
      }
      // killed after writing stanzas and before the reload that makes Finit read them
      if (statSync(box.p(ENABLED)).mtimeMs > (box.reloads().at(-1)?.t ?? 0)) midApply++;
      const scan = scanStanzas(box);
      if (scan.bad.length) {
        partial += scan.bad.length;
        if (partials.length < 5) partials.push(`kill ${k}: ${scan.bad.join('; ')}`);
      }
      // the killed writer's own: those not there at an earlier kill
      for (const f of scan.tmp) if (!seenTmp.has(f)) tmpAtKill++;
      for (const f of scan.tmp) seenTmp.add(f);
      // the next start: it logs "watching" after its first apply
      const back = await until(
        'the respawned daemon to log "watching"',
        () => box.log().filter((r) => r.msg === 'watching').length > watching,
        60_000,
        100,
      ).catch((e) => e);
      const full = k % 20 === 0 || k === KILLS;
      const res =
        back instanceof Error
          ? { ok: false, why: back.message }
          : await waitExact(
              box,
              expected,
              { finitSeen: true, pods: full, orphans, leftTmp },
              full ? 120_000 : 20_000,
            );
      if (res.ok) converged++;
      else {
        say(`kill ${k}: not converged: ${res.why}`);
        if (failures.length < 5) failures.push(`kill ${k}: ${res.why}`);
      }
      if (full) {
        fullN++;
        if (res.ok) fullOk++;
        const ids = await box.containers();
        for (const p of stable) if (ids.get(p)?.id !== stableIds.get(p)) restarted++;
        for (const p of stable) stableIds.set(p, ids.get(p)?.id);
        say(`kill: ${k}/${KILLS}, converged ${converged}, partial ${partial}`);
      }
    }
    results.kill = {
      kills: KILLS,
      midApply,
      orphans: [...orphans],
      leftTmp: [...leftTmp],
      partial,
      converged,
      restarted,
      tmpAtKill,
      fullOk,
      fullN,
      noDaemon,
      failures,
      partials,
    };
    figure(
      `kill -9: ${KILLS} kills: partial stanzas ${partial} (target 0), converged ${converged}/${KILLS} (target all), unchanged pods restarted ${restarted} (target 0), orphaned pod-*.argv left ${orphans.size} (target 0), temporary files left ${leftTmp.size} (target 0)`,
      partial === 0 && converged === KILLS && restarted === 0 && orphans.size === 0 && leftTmp.size === 0,
    );
    console.log(
      `  (with pods' containers checked: ${fullOk}/${fullN}; kills between a stanza write and its reload: ${midApply}; new temporary files right after a kill: ${tmpAtKill}; kills that found no daemon running yet: ${noDaemon})`,
    );
    for (const f of [...partials, ...failures]) console.log(`  ${f}`);
  } finally {
    await keepOrDestroy(box);
  }
}

async function scenarioStorm() {
  const box = new Box('storm');
  ourPrefix = 's-';
  await box.boot();
  try {
    await installDaemon(box);
    const expected = new Map();
    const names = Array.from({ length: STORM_UNITS }, (_, i) => `s-${String(i).padStart(2, '0')}`);
    for (const p of names) {
      expected.set(p, { running: true });
      box.write(`/cfg/containers/${p}.container`, unitText(`${p} 0`));
    }
    const first = await waitExact(box, expected, { pods: true, finitSeen: true }, 300_000);
    if (!first.ok) throw new Error(`storm: the first state never settled: ${first.why}`);
    const before = box.reloads().length;
    // The edits, spread evenly over one second: each wake-up writes every edit already due, so a
    // busy machine that wakes the writer late still gets them all within the second. Written
    // on the host side of the units dir's bind: no path lookup through /proc per edit.
    const units = join(box.dir, 'cfg/containers');
    const t0 = Date.now();
    for (let i = 0; i < EDITS; ) {
      const due = Math.min(EDITS, Math.floor(((Date.now() - t0) * EDITS) / 1000) + 1);
      for (; i < due; i++) {
        const p = names[i % names.length];
        const file = join(units, `${p}.container`);
        writeFileSync(`${units}/.${p}.container.stress-tmp`, unitText(`${p} ${i}`));
        renameSync(`${units}/.${p}.container.stress-tmp`, file);
      }
      if (i < EDITS) await sleep(2);
    }
    const spread = Date.now() - t0;
    const res = await waitExact(box, expected, { pods: true, finitSeen: true }, 300_000);
    const reloads = box.reloads().length - before;
    results.storm = {
      edits: EDITS,
      units: STORM_UNITS,
      spreadMs: spread,
      reloads,
      exact: res.ok,
      why: res.why,
      ms: res.ms,
    };
    figure(
      `write storm: ${EDITS} edits in ${(spread / 1000).toFixed(2)} s across ${STORM_UNITS} units: reloads ${reloads} (target ≤ 10), exact final state ${res.ok ? 'yes' : 'no'} (target yes)`,
      reloads <= 10 && res.ok,
    );
    console.log(
      `  (every pod running its final unit ${(res.ms / 1000).toFixed(1)} s after the last edit)${res.ok ? '' : `: ${res.why}`}`,
    );
  } finally {
    await keepOrDestroy(box);
  }
}

/**
 * Faults, one after another, each from the exact state: inject, edit one pod's unit (f-1), hold,
 * look (running pods kept, the fault reported, nothing half-written), clear, and wait, without
 * sending any command, until f-1 runs its new configuration.
 */
/** Unmounts everything mounted on `dir` (mounts may be stacked), lazily: a sandbox may still hold it. */
async function unmountAll(dir) {
  for (let i = 0; i < 10; i++) {
    const r = await run('mountpoint', ['-q', dir], { timeout: 10_000 }).catch(() => ({ code: 1 }));
    if (r.code !== 0) return;
    await run('umount', ['-l', dir]);
  }
}

async function scenarioFaults() {
  // The finit dir on a small tmpfs of its own, for ENOSPC and a read-only remount, bound in
  // before Finit starts: Finit watches its directories, and one mounted over later would have
  // its changes go unseen (a reload re-reads the stanzas but restarts nothing).
  const mnt = `/var/tmp/fp-stress-mnt/${STACK}-${PREFIX}-faults`;
  mkdirSync(mnt, { recursive: true });
  await unmountAll(mnt); // what a run that was killed left mounted there
  await run('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=755', 'fp-stress', mnt]);
  const box = new Box('faults', [`${mnt}:${ENABLED}`]);
  ourPrefix = 'f-';
  const UNITS = '/var/lib/fp-units';
  try {
    await box.boot();
    await box.exec(['mkdir', '-p', UNITS]);
    await installDaemon(box, { faults: true, unitsDir: UNITS });
    const pods = ['f-0', 'f-1', 'f-2'];
    const expected = new Map(pods.map((p) => [p, { running: true }]));
    let v = 0;
    const edit = (p, opts) => box.write(`${UNITS}/${p}.container`, unitText(`${p} ${++v}`, opts));
    for (const p of pods) edit(p);
    const first = await waitExact(box, expected, { pods: true }, 180_000);
    if (!first.ok) throw new Error(`faults: the first state never settled: ${first.why}`);

    const hang = HANG_MS;
    const faults = [
      {
        name: 'podman fails',
        inject: () => box.write(`${S}/podman.fail`, ''),
        clear: () => box.remove(`${S}/podman.fail`),
      },
      {
        name: `podman hangs (${Math.round(hang / 1000)} s)`,
        hold: hang,
        syncDuring: hang > 65_000,
        inject: () => box.write(`${S}/podman.hang`, ''),
        clear: () => box.remove(`${S}/podman.hang`),
      },
      {
        name: 'initctl fails',
        inject: () => box.write(`${S}/initctl.fail`, ''),
        clear: () => box.remove(`${S}/initctl.fail`),
      },
      {
        name: 'ENOSPC in the finit dir',
        write: true,
        inject: () => box.sh(`dd if=/dev/zero of=${ENABLED}/.stress-fill bs=64k 2>/dev/null; true`),
        clear: () => box.remove(`${ENABLED}/.stress-fill`),
      },
      {
        name: 'read-only finit dir',
        write: true,
        inject: () => box.sh(`mount -o remount,bind,ro ${ENABLED}`),
        clear: () => box.sh(`mount -o remount,bind,rw ${ENABLED}`),
      },
      {
        name: 'units dir removed and recreated',
        instead: async () => {
          await box.exec(['cp', '-a', UNITS, `${UNITS}.bak`]);
          await box.exec(['rm', '-rf', UNITS]);
        },
        clear: async () => {
          await box.exec(['cp', '-a', `${UNITS}.bak`, UNITS]);
          await box.exec(['rm', '-rf', `${UNITS}.bak`]);
          edit('f-1');
        },
      },
      {
        name: 'corrupt run dir (state.json, resources.json)',
        corrupt: true,
        inject: async () => {
          box.write(`${RUN_DIR}/state.json`, '{"units": {garbage\u0000');
          box.write(`${RUN_DIR}/resources.json`, 'not json at all');
          for (const pid of box.daemonPids()) process.kill(pid, 'SIGKILL');
        },
        clear: () => undefined,
      },
      {
        name: 'Image= edit to a missing image',
        kept: true,
        instead: () => edit('f-1', { image: 'localhost/no-such-image:1' }),
        clear: () => edit('f-1'),
      },
    ];
    const rows = [];
    for (const f of faults) {
      say(`fault: ${f.name}`);
      const ids = await box.containers();
      const scan0 = scanStanzas(box);
      const oldConf = scan0.pods.get('f-1')?.conf;
      const oldHash = scan0.pods.get('f-1')?.confHash;
      const logMark = box.log().length;
      const reloads0 = box.reloads().length;
      const t0 = Date.now();
      const row = { name: f.name, stoppedWrongly: 0, reported: '', notes: [] };
      if (f.instead) await f.instead();
      else {
        await f.inject();
        edit('f-1');
      }
      let syncP;
      if (f.syncDuring)
        syncP = box.cli(['sync'], [], hang + 60_000).then((r) => ({ ...r, at: Date.now() - t0 }));
      // while it lasts: the daemon answers, running pods keep running
      const hold = f.hold ?? HOLD_MS;
      let statusSlow = 0;
      while (Date.now() - t0 < hold) {
        const s0 = Date.now();
        const st = await box.cli(['status', '--json'], [], 30_000);
        if (st.timedOut || Date.now() - s0 > 15_000) statusSlow++;
        await sleep(Math.min(2000, Math.max(0, hold - (Date.now() - t0))));
      }
      if (statusSlow) row.notes.push(`status took over 15 s ${statusSlow} times`);
      const during = await box.containers();
      const changes = f.corrupt ? ['f-0', 'f-2'] : pods;
      for (const p of changes) if (during.get(p)?.id !== ids.get(p)?.id) row.stoppedWrongly++;
      if (row.stoppedWrongly)
        row.notes.push(`containers during the fault: ${[...during.keys()].join(' ') || 'none'}`);
      const scan = scanStanzas(box);
      if (scan.bad.length) row.notes.push(`partial: ${scan.bad.join('; ')}`);
      if (scan.tmp.length) row.notes.push(`temporary files left: ${scan.tmp.join(' ')}`);
      if (!f.corrupt && !f.name.startsWith('units dir') && !scan.pods.has('f-1'))
        row.notes.push('pod-f-1.conf is gone during the fault');
      if ((f.write || f.kept) && scan.pods.get('f-1')?.conf !== oldConf)
        row.notes.push('pod-f-1.conf changed during the fault');
      const reloadsDuring = box.reloads().length - reloads0;
      if (!f.corrupt && reloadsDuring > 0) row.notes.push(`${reloadsDuring} reload(s) during the fault`);
      // reported: the daemon's log (warn or worse), state.json, and sync's exit status
      const logged = box
        .log()
        .slice(logMark)
        .filter((r) => r.level >= 40);
      const state = safeJson(box.read(`${RUN_DIR}/state.json`));
      const unitErr = state?.units?.[`${UNITS}/f-1.container`];
      if (f.corrupt) {
        const aside = readdirSync(box.p(RUN_DIR)).filter((n) => /\.corrupt/.test(n));
        const said = box
          .log()
          .slice(logMark)
          .find((r) => /corrupt/i.test(r.msg));
        row.reported = said ? said.msg : '';
        if (aside.length < 2)
          row.notes.push(`set aside: [${aside.join(' ')}] (expected state.json and resources.json)`);
        if (!state) row.notes.push('state.json is not valid JSON');
      } else {
        const detail = (r) => [r.msg, ...(Array.isArray(r.errors) ? r.errors : [])].join(': ');
        row.reported =
          (logged[0] && detail(logged[0])) ??
          state?.applyError ??
          state?.unitsDirError ??
          (unitErr?.state === 'error' ? unitErr.messages.join(' ') : '');
      }
      if (f.kept && unitErr?.last !== 'kept')
        row.notes.push(`state.json says ${unitErr?.last} for f-1, expected kept`);
      let syncCode;
      if (syncP) {
        const s = await syncP;
        syncCode = s.code;
        if (s.at > hang)
          row.notes.push(
            `sync returned only after the hang was cleared (${Math.round(s.at / 1000)} s, exit ${s.code}: ${s.stderr.trim().slice(0, 200)})`,
          );
      } else if (!f.corrupt && !f.name.startsWith('podman hangs')) {
        syncCode = (await box.cli(['sync'], [], 120_000)).code;
      }
      if (syncCode !== undefined && !f.corrupt && syncCode === 0)
        row.notes.push('sync exited 0 during the fault');
      row.syncCode = syncCode;
      // cleared: f-1 must end up running its new configuration with no command sent
      await f.clear();
      const c0 = Date.now();
      const retried = await until(
        'f-1 to run its new configuration',
        async () => {
          const sc = scanStanzas(box);
          const h = sc.pods.get('f-1')?.confHash;
          if (!h || h === oldHash) return false;
          return (await box.containers()).get('f-1')?.hash === h;
        },
        60_000,
        1000,
      ).catch(() => false);
      row.convergedMs = retried ? Date.now() - c0 : undefined;
      const res = await waitExact(box, expected, { pods: true }, retried ? 30_000 : 60_000);
      row.exact = res.ok;
      if (!res.ok) row.notes.push(`not exact afterwards: ${res.why}`);
      const after = await box.containers();
      for (const p of ['f-0', 'f-2']) if (after.get(p)?.id !== ids.get(p)?.id) row.stoppedWrongly++;
      row.ok =
        row.stoppedWrongly === 0 &&
        Boolean(row.reported) &&
        Boolean(retried) &&
        res.ok &&
        row.notes.length === 0;
      rows.push(row);
      figure(
        `faults: ${f.name}: running pods stopped wrongly ${row.stoppedWrongly} (target 0), reported ${row.reported ? 'yes' : 'no'} (target yes), sync exit ${syncCode ?? '-'}, converged without a command ${retried ? `yes, ${(row.convergedMs / 1000).toFixed(1)} s` : 'no'} (target yes)`,
        row.ok,
      );
      if (row.reported) console.log(`  reported: ${String(row.reported).slice(0, 240)}`);
      for (const n of row.notes) console.log(`  ${n}`);
      if (!res.ok) {
        // start the next fault from the exact state
        await syncViaDaemon(box);
        await waitExact(box, expected, { pods: true }, 60_000);
      }
    }
    results.faults = rows;
    const wrong = rows.reduce((a, r) => a + r.stoppedWrongly, 0);
    figure(
      `faults: ${rows.length} faults: running pods stopped wrongly ${wrong} (target 0), reported ${rows.filter((r) => r.reported).length}/${rows.length}, retried and converged ${rows.filter((r) => r.convergedMs !== undefined && r.exact).length}/${rows.length} (target all)`,
      rows.every((r) => r.ok),
    );
  } finally {
    await keepOrDestroy(box);
    if (!env.STRESS_KEEP) {
      await unmountAll(mnt);
      rmSync(mnt, { recursive: true, force: true });
    }
  }
}

async function scenarioPowercut() {
  const box = new Box('power');
  ourPrefix = 'p-';
  await box.boot();
  try {
    await installDaemon(box);
    const expected = new Map();
    for (let i = 0; i < PODS; i++) {
      expected.set(`p-${i}`, { running: true });
      box.write(`/cfg/containers/p-${i}.container`, unitText(`p-${i}`));
    }
    const first = await waitExact(box, expected, { pods: true }, 300_000);
    if (!first.ok) throw new Error(`power cuts: the first state never settled: ${first.why}`);
    let back = 0;
    let crashed = 0;
    let restarts = 0;
    let slowest = 0;
    const notes = [];
    for (let n = 1; n <= POWERCUTS; n++) {
      await box.powerCut();
      await box.start();
      const t0 = Date.now();
      const pids = new Map();
      let ok = false;
      let why = '';
      while (Date.now() - t0 < 120_000) {
        const svc = await box.services();
        for (const [id, s] of svc) {
          if (!id.startsWith('pod:p-')) continue;
          if (s.status === 'crashed') {
            crashed++;
            notes.push(`cut ${n}: ${id} crashed`);
          }
          if (s.pid > 0) pids.set(id, new Set([...(pids.get(id) ?? []), s.pid]));
        }
        if ([...svc.values()].some((s) => s.status === 'crashed')) break;
        const r = await exactState(box, expected, { pods: true, sync: false }).catch((e) => e.message);
        if (r === true) {
          ok = true;
          break;
        }
        why = r;
        await sleep(500);
      }
      const ms = Date.now() - t0;
      slowest = Math.max(slowest, ms);
      for (const s of pids.values()) restarts += s.size - 1;
      if (ok) back++;
      else notes.push(`cut ${n}: not all back after ${Math.round(ms / 1000)} s: ${why}`);
      say(`power cut ${n}/${POWERCUTS}: ${ok ? 'all back' : 'NOT all back'} in ${(ms / 1000).toFixed(1)} s`);
    }
    results.powercut = { cuts: POWERCUTS, pods: PODS, back, crashed, restarts, slowestMs: slowest, notes };
    figure(
      `power cuts: ${POWERCUTS} cuts with ${PODS} pods: all pods back ${back}/${POWERCUTS} (target all), crashed ${crashed} (target 0)`,
      back === POWERCUTS && crashed === 0,
    );
    console.log(
      `  (slowest recovery ${(slowest / 1000).toFixed(1)} s; pod restarts by Finit during recovery: ${restarts})`,
    );
    for (const n of notes.slice(0, 10)) console.log(`  ${n}`);
  } finally {
    await keepOrDestroy(box);
  }
}

/**
 * One sync at a time: two `finit-pods sync` on one run dir (no daemon there), the first held up
 * inside by a hanging podman; the second must wait for it rather than apply alongside.
 */
async function scenarioLock() {
  const box = new Box('lock');
  await box.boot();
  try {
    await installDaemon(box);
    const L = '/run/fp-lock';
    box.write(`${L}/units/lock-0.container`, unitText('lock-0', { rescue: true }));
    const args = [
      'sync',
      '--run-dir',
      `${L}/run`,
      '--units-dir',
      `${L}/units`,
      '--finit-dir',
      `${L}/enabled`,
    ];
    // a sync whose run dir does not exist yet (as at a boot, before any daemon ran)
    const fresh = await box.cli(
      [...args.slice(0, 2), `${L}/fresh`, ...args.slice(3)],
      [`FINIT_PODS_INITCTL=${S}/initctl`],
    );
    await box.exec(['mkdir', '-p', `${L}/run`]);
    box.write(`${S}/podman.hang`, '');
    const t0 = Date.now();
    const first = box
      .cli(args, ['FP_FAULTS=1', `FINIT_PODS_PODMAN=${S}/podman`, `FINIT_PODS_INITCTL=${S}/initctl`], 120_000)
      .then((r) => ({ ...r, ms: Date.now() - t0 }));
    await sleep(2000);
    const second = box
      .cli(args, [`FINIT_PODS_INITCTL=${S}/initctl`], 120_000)
      .then((r) => ({ ...r, ms: Date.now() - t0 }));
    const early = await Promise.race([second.then(() => true), sleep(8000).then(() => false)]);
    box.remove(`${S}/podman.hang`);
    const cleared = Date.now() - t0;
    const [a, b] = await Promise.all([first, second]);
    const waited = !early && b.ms >= cleared;
    const conf = box.read(`${L}/enabled/pod-lock-0.conf`) ?? '';
    const ok = waited && a.code === 0 && b.code === 0 && conf.startsWith(MARK);
    results.lock = {
      waited,
      first: a.code,
      second: b.code,
      fresh: fresh.code,
      secondMs: b.ms,
      clearedMs: cleared,
    };
    figure(
      `one sync at a time: the second sync waited for the first ${waited ? 'yes' : `no (it ended ${((b.ms - 2000) / 1000).toFixed(1)} s after its start, while the first was held up)`} (target yes), exit codes ${a.code} and ${b.code} (target 0 and 0)`,
      ok,
    );
    figure(`  a sync before its run dir exists: exit ${fresh.code} (target 0)`, fresh.code === 0);
    if (fresh.code !== 0) console.log(`  ${fresh.stderr.trim().slice(0, 300)}`);
    if (a.code !== 0) console.log(`  first: ${a.stderr.trim().slice(0, 300)}`);
    if (b.code !== 0) console.log(`  second: ${b.stderr.trim().slice(0, 300)}`);
  } finally {
    await keepOrDestroy(box);
  }
}

function safeJson(text) {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function keepOrDestroy(box) {
  if (env.STRESS_KEEP) say(`kept sandbox ${box.name} (STRESS_KEEP)`);
  else await box.destroy();
}

const all = {
  kill: scenarioKill,
  storm: scenarioStorm,
  faults: scenarioFaults,
  powercut: scenarioPowercut,
  lock: scenarioLock,
};
console.log(`\nreliability on the ${STACK} stack (seed ${seed})`);
for (const name of SCENARIOS) {
  const fn = all[name];
  if (!fn)
    throw new Error(`STRESS_SCENARIOS: unknown scenario ${name} (known: ${Object.keys(all).join(' ')})`);
  const t0 = Date.now();
  try {
    await fn();
  } catch (e) {
    results[name] = { error: e.message };
    figure(`${name}: could not run: ${e.message}`, false);
  }
  say(`${name} took ${Math.round((Date.now() - t0) / 1000)} s`);
}
if (env.STRESS_RESULTS)
  writeFileSync(env.STRESS_RESULTS, `${JSON.stringify({ stack: STACK, results, lines }, null, 2)}\n`);
process.exit(failed ? 1 : 0);

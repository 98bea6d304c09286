#!/usr/bin/env node
// Benchmark: the daemon at rest (issue 15). In a fresh testbed sandbox (BENCH_STACK, default
// bookworm) with BENCH_UNITS unit files (default 200: 5 running pods, the rest for runlevel 1
// only, so Finit knows them but does not start them), `finit-pods daemon` runs as a Finit service
// through wrappers that count every initctl and podman it runs. Once it is settled (the 5 pods
// running, state.json has every unit, then 20 s more), nothing is run inside the sandbox for
// BENCH_IDLE_S seconds (default 60), then as long again (its CPU shown apart: the steady state),
// and, read from the host's /proc only:
//   - the daemon's CPU: utime+stime of its process (all threads), as % of one CPU over the
//     window (also its threads' schedstat run time, in ns, for a finer figure);
//   - processes spawned: initctl and podman calls counted by the wrappers (those whose parent is
//     the daemon, and all of them), and every process created in the sandbox's pid namespace
//     (its ns_last_pid before and after, less what reading it costs);
//   - its RSS at the end (VmRSS).
// Then: one running pod's unit edited (an editor's save: temporary file, rename) → time until
// its pod-NAME.conf has changed on disk; that pod's container's main process killed (SIGKILL
// from the host) → time until the daemon logs a line about that pod.
// Targets: CPU ≤ 0.05 %, no process spawned at rest, RSS ≤ 45 MB, a change applied ≤ 1 s, a
// dead pod seen. The daemon is already running when the window starts: node's start-up is no
// part of any figure.
// With BENCH_BASELINE_REF (a git ref), that ref is built into a worktree at
// /tmp/fp-baseline-SHA (reused when already built), bound into a second fresh sandbox at the same
// path, and measured the same way: its figures are printed beside ours.
// BENCH_HEALTH=1 (issue 17): BENCH_UNITS (default 50) pods that all run, each with a health check
// (HealthCmd=true) the daemon runs every 30 s, podman's default interval. The CPU figure is the
// daemon process's alone (utime+stime, not its children's): the checks' own podman processes are
// apart. What it spawns at rest is expected to be one `podman healthcheck run` per due check and
// nothing else; its CPU target allows for that spawn, its output read and the records written.
// BENCH_KEEP=1 leaves the (last) sandbox running, to look around. Always exits 0: the figures are printed with their targets, and a missed one says MISSED.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo, testbed } from './lib/testbed.mjs';

const stack = process.env.BENCH_STACK ?? 'bookworm';
const HEALTH = process.env.BENCH_HEALTH === '1';
const N = Number(process.env.BENCH_UNITS ?? (HEALTH ? 50 : 200));
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);
const WINDOWS = HEALTH ? 1 : 2;
const BASE_REF = process.env.BENCH_BASELINE_REF ?? '';
const NAME = HEALTH ? 'bench-health' : 'bench-rest';
const RUNNING = HEALTH ? N : 5;
/** With health checks: podman's default interval, which the units keep. */
const CHECK_S = 30;
const TARGET = { cpu: HEALTH ? 0.5 : 0.05, spawned: 0, rssMb: 45, changeS: 1 };
const TICK = 100; // USER_HZ

// inside the sandbox
const B = '/run/fp-bench';
const LOG = `${B}/daemon.log`;
const INITCTL_CALLS = `${B}/initctl.calls`;
const PODMAN_CALLS = `${B}/podman.calls`;
const INITCTL_WRAP = `${B}/initctl`;
const PODMAN_WRAP = `${B}/bin/podman`; // named podman: the daemon reads containers/storage itself then
const DAEMON_WRAP = `${B}/daemon.sh`;
const STATE = '/run/finit-pods/state.json';
const HEALTH_FILE = '/run/finit-pods/health.json';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '?');
const missed = (ok) => (ok ? '' : '  MISSED');

async function until(what, fn, timeoutMs = 300_000, intervalMs = 250) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let v;
    try {
      v = fn();
    } catch {
      v = undefined;
    }
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

const runningUnit = (i) => `[Unit]
Description=bench pod ${i}

[Container]
Image=localhost/busybox:latest
Exec=sleep 100000
Environment=BENCH=0
StopTimeout=1
${HEALTH ? 'HealthCmd=true\n' : ''}`;
// for runlevel 1 only: Finit knows its stanza but does not start it at runlevel 2
const rescueUnit = (i) =>
  `[Container]\nImage=localhost/busybox:latest\nExec=sleep 100000 ${i}\nStopTimeout=1\n\n[Install]\nWantedBy=rescue.target\n`;

/** Host PIDs (strings). */
function hostProcs() {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p));
}
/**
 * RSS from smaps_rollup, split: pages shared with other processes that the kernel can drop and
 * read again (mostly the node binary's own code, the same in every node process) and private ones.
 */
function rssSplit(text) {
  const kb = (k) => Number(new RegExp(`^${k}:\\s*(\\d+)`, 'm').exec(text ?? '')?.[1] ?? Number.NaN);
  return {
    rssMb: kb('Rss') / 1024,
    sharedMb: (kb('Shared_Clean') + kb('Shared_Dirty')) / 1024,
    privateMb: (kb('Private_Clean') + kb('Private_Dirty')) / 1024,
  };
}

const readProc = (pid, file) => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
};
const inSandbox = (pid) => (readProc(pid, 'cgroup') ?? '').includes(`finit-pods-tb.${stack}-${NAME}`);
const nsPids = (pid) =>
  (readProc(pid, 'status') ?? '')
    .match(/^NSpid:\s*(.*)$/m)?.[1]
    .trim()
    .split(/\s+/)
    .map(Number) ?? [];

/** The daemon's host PID and its PID inside the sandbox. */
function findDaemon(cli) {
  for (const p of hostProcs()) {
    const cmd = readProc(p, 'cmdline');
    if (!cmd?.includes(`${cli}\0daemon`) || !inSandbox(p)) continue;
    return { host: Number(p), inside: nsPids(p)[1] };
  }
  return undefined;
}

/** The host PID of the process that is PID `inside` of the sandbox (a container's main process). */
function hostPidOf(inside) {
  for (const p of hostProcs()) if (nsPids(p)[1] === inside && inSandbox(p)) return Number(p);
  return undefined;
}

/** CPU of a process: utime+stime (ticks, all threads) and its threads' run time (ns, schedstat). */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const s = readProc(`${pid}/task/${t}`, 'schedstat');
    if (s) ns += Number(s.split(' ')[0]);
  }
  return { ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]), ns };
}

function logRecords(root) {
  const text = readProc(root, `root${LOG}`) ?? '';
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      out.push({ time: 0, msg: line });
    }
  }
  return out;
}

/** Builds REF into /tmp/fp-baseline-SHA (once); returns that directory. */
async function buildBaseline(ref) {
  const git = (...a) =>
    execFileSync('git', a, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const sha = git('rev-parse', '--verify', `${ref}^{commit}`).trim();
  const dir = `/tmp/fp-baseline-${sha.slice(0, 12)}`;
  const stamp = `${dir}.built`;
  if (existsSync(stamp)) return { dir, sha };
  if (existsSync(dir)) {
    // another run is building it
    await until(`the baseline build in ${dir}`, () => existsSync(stamp), 600_000, 1000);
    return { dir, sha };
  }
  process.stderr.write(`bench rest: building ${ref} (${sha.slice(0, 12)}) into ${dir}…\n`);
  for (let i = 0; ; i++) {
    try {
      git('worktree', 'add', '--detach', dir, sha);
      break;
    } catch (e) {
      // another git command holds index.lock (or the worktrees dir): wait and retry
      if (i >= 30 || !/lock/i.test(String(e.stderr ?? e))) throw e;
      await sleep(2000);
    }
  }
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  const run = (cmd, args) =>
    execFileSync(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  run(join(repo, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json']);
  run(process.execPath, ['tools/bundle.mjs']);
  writeFileSync(stamp, `${sha}\n`);
  return { dir, sha };
}

/** One fresh sandbox, the daemon of `codeDir` in it; every figure. */
async function measure(codeDir, binds) {
  const tb = testbed(stack, NAME, binds);
  const sh = (script) => tb('sh', script);
  const cli = `${codeDir}/dist/cli/launch.cjs`;
  const { node, initctl: initctlPath } = JSON.parse(tb('info'));
  const r = {};
  tb('setup');
  tb('start');
  tb('import-image');
  const dir = tb('dir').trim();
  const finit = Number(tb('pid').trim());
  const unitsDir = join(dir, 'cfg/containers');
  const stanza = join(dir, 'etc/finit.d/enabled/pod-p0.conf');

  for (let i = 0; i < N; i++) {
    if (i < RUNNING) writeFileSync(join(unitsDir, `p${i}.container`), runningUnit(i));
    else writeFileSync(join(unitsDir, `r${String(i).padStart(4, '0')}.container`), rescueUnit(i));
  }
  sh(
    `mkdir -p ${B}/bin && : >${INITCTL_CALLS} && : >${PODMAN_CALLS} && ` +
      `printf '#!/bin/sh\\necho "$PPID $*" >>${INITCTL_CALLS}\\nexec ${initctlPath} "$@"\\n' >${INITCTL_WRAP} && ` +
      `printf '#!/bin/sh\\necho "$PPID $*" >>${PODMAN_CALLS}\\nexec /usr/bin/podman "$@"\\n' >${PODMAN_WRAP} && ` +
      `printf '#!/bin/sh\\nexec env FINIT_PODS_INITCTL=${INITCTL_WRAP} ${node} ${cli} daemon --log-format json --podman ${PODMAN_WRAP} >>${LOG} 2>&1\\n' >${DAEMON_WRAP} && ` +
      `chmod 755 ${INITCTL_WRAP} ${PODMAN_WRAP} ${DAEMON_WRAP}`,
  );
  writeFileSync(
    join(dir, 'etc/finit.d/finit-pods.conf'),
    `service [2345] name:finit-pods ${DAEMON_WRAP} -- finit-pods daemon\n`,
  );
  tb('initctl', 'reload');

  // settled: the pods running, every unit in state.json, the daemon watching; then 20 s more, so
  // the one heap compaction V8 makes some seconds after a busy spell is over before the window
  const names = () => sh("podman ps --format '{{.Names}}' | grep -c '^p[0-9]' || true").trim();
  await until(`${RUNNING} pods running`, () => Number(names()) === RUNNING, 300_000, 500);
  await until(
    `state.json with ${N} units`,
    () => {
      const s = JSON.parse(readProc(finit, `root${STATE}`) ?? 'null');
      return s && Object.keys(s.units).length === N && !s.unitsDirError && !s.applyError;
    },
    300_000,
    500,
  );
  await until('the daemon to log "watching"', () => logRecords(finit).some((x) => x.msg === 'watching'));
  if (HEALTH)
    await until(
      `${RUNNING} pods healthy in health.json`,
      () => {
        const h = JSON.parse(readProc(finit, `root${HEALTH_FILE}`) ?? 'null');
        return h && Object.values(h.pods).filter((p) => p.status === 'healthy').length === RUNNING;
      },
      300_000,
      500,
    );
  const daemon = await until('the daemon process', () => findDaemon(cli));
  await sleep(20_000);

  // ---- at rest: nothing runs inside the sandbox between the two ns_last_pid reads but what it does
  const lastPid = () => Number(tb('exec', 'cat', '/proc/sys/kernel/ns_last_pid').trim());
  const calls = (file) =>
    (readProc(finit, `root${file}`) ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.split(' ')[0]));
  const p0 = lastPid();
  const p1 = lastPid(); // what one read costs: p1 - p0
  const i0 = calls(INITCTL_CALLS);
  const m0 = calls(PODMAN_CALLS);
  const log0 = logRecords(finit).length;
  const c0 = cpuOf(daemon.host);
  const t0 = process.hrtime.bigint();
  // sampled every second from the host (nothing runs inside): when the CPU was used
  // A second window follows the first (not with health checks): one heap reduction V8 makes some
  // seconds after the last busy spell may fall in the first, and the second shows the steady state.
  const bursts = [];
  let prev = c0;
  let c1;
  let secs = 0;
  for (let s = 1; s <= IDLE_S * WINDOWS; s++) {
    await sleep(Number(t0 + BigInt(s) * 1_000_000_000n - process.hrtime.bigint()) / 1e6);
    const c = cpuOf(daemon.host);
    const ms = (c.ns - prev.ns) / 1e6;
    if (ms >= 0.5) bursts.push(`${s}s:${ms.toFixed(1)}`);
    prev = c;
    if (s === IDLE_S) {
      c1 = c;
      secs = Number(process.hrtime.bigint() - t0) / 1e9;
    }
  }
  if (WINDOWS > 1) {
    const c2 = cpuOf(daemon.host);
    const later = Number(process.hrtime.bigint() - t0) / 1e9 - secs;
    r.cpuLater = ((c2.ticks - c1.ticks) / TICK / later) * 100;
    r.cpuLaterNs = ((c2.ns - c1.ns) / 1e9 / later) * 100;
  }
  const i1 = calls(INITCTL_CALLS);
  const m1 = calls(PODMAN_CALLS);
  const p2 = lastPid();
  const logAtRest = logRecords(finit).slice(log0);
  const status = readProc(daemon.host, 'status') ?? '';
  if (findDaemon(cli)?.host !== daemon.host) r.note = 'the daemon process changed during the window';
  r.secs = secs;
  r.cpu = ((c1.ticks - c0.ticks) / TICK / secs) * 100;
  r.cpuNs = ((c1.ns - c0.ns) / 1e9 / secs) * 100;
  r.childTicks = c1.childTicks - c0.childTicks;
  r.bursts = bursts;
  r.cpuAll = ((c1.ticks + c1.childTicks - c0.ticks - c0.childTicks) / TICK / secs) * 100;
  const mine = (a, b) => b.slice(a.length).filter((pp) => pp === daemon.inside).length;
  r.initctl = mine(i0, i1);
  r.podman = mine(m0, m1);
  r.initctlAll = i1.length - i0.length;
  r.podmanAll = m1.length - m0.length;
  r.inNs = p2 - p1 - (p1 - p0);
  r.rssMb = Number(status.match(/^VmRSS:\s*(\d+)/m)?.[1]) / 1024;
  r.split = rssSplit(readProc(daemon.host, 'smaps_rollup'));
  // a bare node in the same sandbox, for what of the RSS is Node's own
  r.bare = rssSplit(
    sh(`${node} -e 'setTimeout(() => {}, 5000)' & p=$!; sleep 2; cat /proc/$p/smaps_rollup; kill $p`),
  );
  r.logAtRest = logAtRest.length;
  /** What the daemon ran at rest, each command line once, POD for a pod's name. */
  const ran = (file, from, to) => [
    ...new Set(
      (readProc(finit, `root${file}`) ?? '')
        .split('\n')
        .slice(from, to)
        .filter((l) => Number(l.split(' ')[0]) === daemon.inside)
        .map((l) =>
          l
            .split(' ')
            .slice(1)
            .join(' ')
            .replace(/\bp\d+\b/g, 'POD'),
        ),
    ),
  ];
  r.initctlCmds = ran(INITCTL_CALLS, i0.length, i1.length);
  r.podmanCmds = ran(PODMAN_CALLS, m0.length, m1.length);

  // ---- a change: an editor's save of p0.container → pod-p0.conf changed on disk
  const before = readFileSync(stanza, 'utf8');
  const unit = join(unitsDir, 'p0.container');
  const tmp = join(unitsDir, '.p0.container.tmp');
  const idBefore = sh("podman ps -q --no-trunc --filter name='^p0$'").trim();
  const logBefore = logRecords(finit).length;
  const w0 = Date.now();
  const h0 = process.hrtime.bigint();
  writeFileSync(tmp, runningUnit(0).replace('BENCH=0', 'BENCH=1'));
  renameSync(tmp, unit);
  try {
    await until('pod-p0.conf to change', () => readFileSync(stanza, 'utf8') !== before, 30_000, 5);
    r.changeS = Number(process.hrtime.bigint() - h0) / 1e9;
    // logged once the apply is done (after the reload)
    const applied = await until(
      'the "applied pod:p0" log line',
      () =>
        logRecords(finit)
          .slice(logBefore)
          .find((x) => /^applied pod:p0/.test(x.msg)),
      10_000,
      20,
    ).catch(() => undefined);
    if (applied) r.appliedLogS = (applied.time - w0) / 1000;
  } catch {
    r.changeS = Number.POSITIVE_INFINITY;
  }

  // ---- a pod that dies: p0's container (restarted by Finit for the change) killed
  const id = await until(
    'p0 restarted with the new configuration',
    () => {
      const x = sh("podman ps -q --no-trunc --filter name='^p0$'").trim();
      return x && x !== idBefore ? x : undefined;
    },
    60_000,
    200,
  );
  await sleep(3000); // whatever the daemon logs about that restart, logged before the kill
  const inside = Number(sh(`podman inspect -f '{{.State.Pid}}' ${id}`).trim());
  const victim = hostPidOf(inside);
  if (!victim) throw new Error(`no host process for PID ${inside} of the sandbox`);
  const logKill = logRecords(finit).length;
  const iKill = calls(INITCTL_CALLS);
  const k0 = Date.now();
  process.kill(victim, 'SIGKILL');
  const about = (x) => x.pod === 'pod:p0' || (typeof x.msg === 'string' && x.msg.includes('pod:p0'));
  try {
    const seen = await until(
      'the daemon to log something about pod:p0',
      () =>
        logRecords(finit)
          .slice(logKill)
          .find((x) => about(x) && !/^applied/.test(x.msg)),
      20_000,
      20,
    );
    r.deadS = (seen.time - k0) / 1000;
    r.deadMsg = seen.msg;
  } catch {
    r.deadS = Number.POSITIVE_INFINITY;
  }
  // what the daemon did about it: Finit asked, and what Finit said it runs now
  r.deadInitctl = mine(iKill, calls(INITCTL_CALLS));
  try {
    r.deadRunner = readdirSync(`/proc/${finit}/root/run/finit-pods/argv`).filter((f) => f.startsWith('p0.'));
  } catch {
    // an older runner keeps no such files
  }
  if (!process.env.BENCH_KEEP) tb('destroy');
  return r;
}

function report(label, r) {
  const head = `${label} (${stack}, ${N} units, ${IDLE_S} s)`;
  if (r.error) {
    console.log(`${head}: not measured: ${r.error}`);
    return;
  }
  const spawned = r.initctl + r.podman;
  console.log(
    `${head}: ${HEALTH ? `${RUNNING} running pods, each with a health check every ${CHECK_S} s; ` : ''}daemon CPU ${fmt(r.cpu, 3)} % (target ≤ ${TARGET.cpu} %)${missed(r.cpu <= TARGET.cpu)}  [the daemon process only, not its children; utime+stime over ${fmt(r.secs, 1)} s, 1 tick = ${fmt(100 / TICK / r.secs, 3)} %; its threads' run time (schedstat) ${fmt(r.cpuNs, 4)} %; with its children's ${fmt(r.cpuAll, 3)} %]`,
  );
  if (r.cpuLater !== undefined)
    console.log(
      `${head}: daemon CPU over the next ${IDLE_S} s ${fmt(r.cpuLater, 3)} % (target ≤ ${TARGET.cpu} %)${missed(r.cpuLater <= TARGET.cpu)}  [the same measure, right after the first window; schedstat ${fmt(r.cpuLaterNs, 4)} %]`,
    );
  if (HEALTH) {
    // each pod is due once per interval; a window's edges cut at most one check of each
    const due = (RUNNING * r.secs) / CHECK_S;
    const ok =
      r.initctl === 0 &&
      r.podmanCmds.every((c) => c === 'healthcheck run POD') &&
      Math.abs(r.podman - due) <= RUNNING;
    console.log(
      `${head}: processes spawned at rest ${spawned}: podman healthcheck run ${r.podman} (target: one per due check, ${fmt(due, 0)} ± ${RUNNING}; initctl 0; nothing else)${missed(ok)}  [initctl ${r.initctl}${r.initctlCmds.length ? `: ${r.initctlCmds.join('; ')}` : ''}; podman: ${r.podmanCmds.join('; ') || 'none'}; processes created in the whole sandbox ${r.inNs}; children's CPU ticks ${r.childTicks}]`,
    );
  }
  if (!HEALTH)
    console.log(
      `${head}: processes spawned at rest ${spawned} (target ${TARGET.spawned})${missed(spawned <= TARGET.spawned)}  [initctl ${r.initctl}, podman ${r.podman} by the daemon${r.initctlCmds.length ? `: ${r.initctlCmds.join('; ')}` : ''}; all wrapper calls ${r.initctlAll + r.podmanAll}; processes created in the whole sandbox ${r.inNs}; children's CPU ticks ${r.childTicks}]`,
    );
  console.log(
    `${head}: RSS ${fmt(r.rssMb, 1)} MB (target ≤ ${TARGET.rssMb} MB)${missed(r.rssMb <= TARGET.rssMb)}`,
  );
  const split = (s) =>
    `RSS ${fmt(s.rssMb, 1)} MB = shared ${fmt(s.sharedMb, 1)} MB (clean file pages, mostly the node binary's code) + private ${fmt(s.privateMb, 1)} MB`;
  if (r.split && r.bare)
    console.log(
      `${head}:   the daemon: ${split(r.split)}; a bare node there: ${split(r.bare)}; the daemon's own: ${fmt(r.split.privateMb - r.bare.privateMb, 1)} MB private, ${fmt(r.split.sharedMb - r.bare.sharedMb, 1)} MB more of Node's code`,
    );
  console.log(
    `${head}: a change applied in ${Number.isFinite(r.changeS) ? `${fmt(r.changeS)} s` : 'not within 30 s'} (target ≤ ${TARGET.changeS} s)${missed(r.changeS <= TARGET.changeS)}  [from the rename to pod-p0.conf changed on disk${r.appliedLogS !== undefined ? `; its "applied" log line at ${fmt(r.appliedLogS)} s` : ''}]`,
  );
  console.log(
    `${head}: a dead pod seen in ${Number.isFinite(r.deadS) ? `${fmt(r.deadS)} s ("${r.deadMsg}")` : 'not within 20 s'} (target: seen)${missed(Number.isFinite(r.deadS))}  [its container's main process killed; the daemon then ran initctl ${r.deadInitctl}×${r.deadRunner?.length ? `; runner files now: ${r.deadRunner.join(', ')}` : ''}]`,
  );
  console.log(
    `${head}: log lines at rest ${r.logAtRest}; seconds of the window in which the daemon ran ≥ 0.5 ms (second:ms): ${r.bursts.join(' ') || 'none'}${r.note ? `; ${r.note}` : ''}`,
  );
}

const runs = [];
try {
  process.stderr.write(`bench rest: ${stack}, ${N} units, ${IDLE_S} s at rest…\n`);
  try {
    runs.push(['rest', await measure(repo, '')]);
  } catch (e) {
    runs.push(['rest', { error: e.message.split('\n')[0] }]);
  }
  if (BASE_REF) {
    try {
      const { dir, sha } = await buildBaseline(BASE_REF);
      process.stderr.write(`bench rest: baseline ${BASE_REF} (${sha.slice(0, 12)})…\n`);
      runs.push([`baseline (${BASE_REF})`, await measure(dir, dir)]);
    } catch (e) {
      runs.push([`baseline (${BASE_REF})`, { error: e.message.split('\n')[0] }]);
    }
  }
} finally {
  try {
    if (!process.env.BENCH_KEEP) testbed(stack, NAME, '')('destroy');
  } catch {
    // already gone
  }
}
console.log(
  `\nthe daemon at rest (issue 15${HEALTH ? `), with ${N} pods with health checks (issue 17` : ''}), ${stack} testbed: measured on the running daemon's process (node's start-up is no part of it)`,
);
for (const [label, r] of runs) report(label, r);
process.exit(0);

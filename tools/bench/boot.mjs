#!/usr/bin/env node
// Benchmark: boot recovery after a power cut, against the real Finit and Podman of a testbed
// (bookworm by default: Finit 4.2 + Podman 4.3, which brings every pod's container back as
// Created, holding its name). For N pods (5 and 50) that were running when the power was cut:
//   - podman alone: `podman rm -f -t 0 ID…` of the N leftovers in one call, as the first podman
//     call after the boot (Podman's post-reboot refresh included), timed inside the sandbox;
//   - finit-pods, the daemon as a Finit service: from the daemon process's start to the
//     condition usr/finit-pods being set (node's start-up included), and the daemon's own
//     figure for boot recovery (its "boot recovery done" line: ms from bootRecovery's start, by
//     when the removal by label, started as the daemon starts, is under way; podmanCalls);
//   - finit-pods sync as the first run since boot: from its start to the condition being set
//     (and the whole process, whose exit competes with the N pods Finit then starts).
//   - the daemon at boot again, from a copy of the bundle without its V8 code cache (the
//     launcher then compiles the script as usual): what the cache saves at boot.
// Each measurement starts from an identical fresh setup: N pods running, then a power cut.
// BENCH_ETC=tmpfs: the pods' stanzas are gone after each power cut, as on Infix (/etc a tmpfs).
// Target (issue 15): at 5 and at 50 lingering containers, daemon start → condition within 1.2×
// of podman alone, and a number of podman calls that does not grow with N.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo, testbed } from './lib/testbed.mjs';

const stack = process.env.BENCH_STACK ?? 'bookworm';
const COUNTS = (process.env.BENCH_COUNTS ?? '5 50')
  .split(/[\s,]+/)
  .filter(Boolean)
  .map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ETC_TMPFS = process.env.BENCH_ETC === 'tmpfs';
const NAME = 'bench-boot';
const cli = `${repo}/dist/cli/launch.cjs`; // the installed command (package.json bin)
// the same bundle and launcher without the code cache, laid out as installed (package.json two
// levels above the launcher), inside the repository so that every sandbox sees it
const NOCACHE = `${repo}/dist/bench-nocache`;
const cliNoCache = `${NOCACHE}/dist/cli/launch.cjs`;
mkdirSync(`${NOCACHE}/dist/cli`, { recursive: true });
copyFileSync(`${repo}/package.json`, `${NOCACHE}/package.json`);
copyFileSync(`${repo}/dist/finit-pods.cjs`, `${NOCACHE}/dist/finit-pods.cjs`);
copyFileSync(cli, cliNoCache);
rmSync(`${NOCACHE}/dist/finit-pods.cjs.cache`, { force: true });

const tb = testbed(stack, NAME);
const sh = (script) => tb('sh', script);
const { node } = JSON.parse(tb('info'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Whole ms, or ? when every sample was dropped. */
const ms0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '?');

async function until(what, fn, timeoutMs = 300_000) {
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
    await sleep(250);
  }
}

const unit = (i) => `[Unit]
Description=bench pod ${i}

[Container]
Image=localhost/busybox:latest
Exec=sleep 100000
StopTimeout=1
`;
const SYSLOGD = 'service [S12345] name:syslogd /bin/busybox syslogd -n -O /run/messages -- syslog\n';
// its state dir on persistent storage, beside podman's, as on a device (the sandbox's own /var/lib
// is new at every boot): podman's run options are kept there across boots
const daemonStanza = (launcher) =>
  `service [2345] name:finit-pods log ${node} ${launcher} daemon --state-dir /var/lib/containers/finit-pods -- finit-pods\n`;

let dir;
const daemonConf = () => join(dir, 'etc/finit.d/finit-pods.conf');
const running = () => sh("podman ps --format '{{.Names}}' | grep -c '^b[0-9]' || true").trim();

/** The daemon (from `launcher`) on, the N pods running (fresh containers). */
async function podsUp(n, launcher = cli) {
  writeFileSync(daemonConf(), daemonStanza(launcher));
  tb('initctl', 'reload');
  await until(`${n} pods running`, () => Number(running()) === n);
}

/**
 * Power cut; the next boot with or without the daemon stanza. With BENCH_ETC=tmpfs the pods'
 * stanzas are gone too, as on Infix, where /etc is a tmpfs: the daemon writes them all again
 * (and checks their options against `podman run --help`) before the condition.
 */
function powerCut({ daemon }) {
  tb('stop');
  if (!daemon) rmSync(daemonConf(), { force: true });
  if (ETC_TMPFS) {
    const enabled = join(dir, 'etc/finit.d/enabled');
    for (const f of readdirSync(enabled)) if (/^pod-|^finit-pods-run$/.test(f)) rmSync(join(enabled, f));
  }
  tb('start');
}

// Inside the sandbox: the daemon's start (its /proc starttime) and when usr/finit-pods appeared
// (the condition symlink's ctime), both in ms since the epoch.
const TIMES = `
const fs = require('node:fs');
const tick = 100; // USER_HZ
const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
const bootEpoch = Date.now() - uptime * 1000;
let start;
for (const p of fs.readdirSync('/proc').filter((x) => /^\\d+$/.test(x))) {
  try {
    const cmd = fs.readFileSync('/proc/' + p + '/cmdline', 'utf8');
    if (!cmd.includes('launch.cjs\\0daemon')) continue;
    const stat = fs.readFileSync('/proc/' + p + '/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    start = bootEpoch + (Number(f[19]) / tick) * 1000;
  } catch {}
}
const cond = fs.lstatSync('/run/finit/cond/usr/finit-pods').ctimeMs;
console.log(JSON.stringify({ start, cond }));`;

/** The N pods up with the daemon started from `launcher`, a power cut, and the daemon's boot measured. */
async function daemonBoot(n, launcher) {
  await podsUp(n, launcher);
  powerCut({ daemon: true });
  const line = await until('"boot recovery done"', () =>
    sh('grep "boot recovery done" /run/messages || true').trim(),
  );
  const t = JSON.parse(tb('exec', 'node', '-e', TIMES).trim());
  let ms;
  if (t.cond >= t.start) ms = t.cond - t.start;
  else {
    // the daemon running now started after the condition was set: the first one ended
    const log = sh("grep -E ' (node|finit-pods): ' /run/messages | tail -n 20 || true");
    const restarts = tb('initctl', '-b', '-p', 'status', 'finit-pods').match(/Restarts\s*:\s*(.*)/)?.[1];
    process.stderr.write(
      `bench boot: the daemon was restarted (${restarts}); sample dropped. Its log:\n${log}\n`,
    );
  }
  // when the removal and the sync were done, and the condition set (ms since the daemon's start);
  // what said what was left after the removal, and which images are here: storage's records or podman
  const at = (k) => line.match(new RegExp(` ${k}=(\\d+)`))?.[1] ?? '?';
  return {
    ms,
    recovery: Number(line.match(/ ms=(\d+)/)?.[1]),
    calls: Number(line.match(/ podmanCalls=(\d+)/)?.[1]),
    when: `${at('removalStart')}/${at('removalDone')}/${at('syncDone')}/${at('sinceStart')}`,
    read: `${line.match(/ listing=(\w+)/)?.[1]}/${line.match(/ images=(\w+)/)?.[1]}`,
    removed: Number(sh('grep -c "removed: finit-pods container" /run/messages || true').trim()),
  };
}

async function measure(n) {
  tb('setup');
  tb('start');
  tb('import-image');
  dir = tb('dir').trim();
  writeFileSync(join(dir, 'etc/finit.d/syslogd.conf'), SYSLOGD);
  for (let i = 0; i < n; i++) writeFileSync(join(dir, 'cfg/containers', `b${i}.container`), unit(i));
  const r = {
    n,
    podman: [],
    daemon: [],
    recovery: [],
    calls: [],
    read: [],
    when: [],
    removed: [],
    sync: [],
    syncCond: [],
    noCache: [],
    whenNoCache: [],
  };
  for (let run = 0; run < RUNS; run++) {
    // podman alone
    await podsUp(n);
    const ids = sh("podman ps -q --no-trunc --filter name='^b[0-9]'").trim().split('\n');
    powerCut({ daemon: false });
    const out = sh(
      `s=$(date +%s%N); podman rm -f -t 0 ${ids.join(' ')} >/dev/null; rc=$?; echo $(( ($(date +%s%N) - s) / 1000000 )) $rc`,
    ).trim();
    const [ms, rc] = out.split(' ').map(Number);
    if (rc !== 0) throw new Error(`podman rm failed (${rc})`);
    r.podman.push(ms);
    if (sh('podman ps -aq | wc -l').trim() !== '0') throw new Error('podman rm left containers');

    // finit-pods, the daemon at boot
    const d = await daemonBoot(n, cli);
    if (d.ms !== undefined) r.daemon.push(d.ms);
    r.recovery.push(d.recovery);
    r.calls.push(d.calls);
    r.when.push(d.when);
    r.read.push(d.read);
    r.removed.push(d.removed);

    // the same without the code cache
    const c = await daemonBoot(n, cliNoCache);
    if (c.ms !== undefined) r.noCache.push(c.ms);
    r.whenNoCache.push(c.when);

    // finit-pods sync as the first run since boot (whole process)
    await until(`${n} pods running`, () => Number(running()) === n);
    powerCut({ daemon: false });
    const s = sh(
      `s=$(date +%s%N); ${node} ${cli} sync >/dev/null 2>&1; rc=$?; echo $(( ($(date +%s%N) - s) / 1000000 )) $rc $(( s / 1000000 ))`,
    )
      .trim()
      .split(' ')
      .map(Number);
    r.sync.push(s[0]);
    r.syncCond.push(JSON.parse(tb('exec', 'node', '-e', TIMES).trim()).cond - s[2]);
  }
  tb('destroy');
  return r;
}

const results = [];
try {
  for (const n of COUNTS) {
    process.stderr.write(`bench boot: ${n} pods, ${RUNS} runs…\n`);
    results.push(await measure(n));
  }
} finally {
  try {
    tb('destroy');
  } catch {
    // already gone
  }
}

console.log(
  `\nboot recovery after a power cut, ${stack} testbed, median of ${RUNS} runs each${ETC_TMPFS ? ', /etc a tmpfs (every stanza written again at boot, as on Infix)' : ''}`,
);
for (const r of results) {
  const base = median(r.podman);
  const d = median(r.daemon);
  const s = median(r.sync);
  console.log(`  ${r.n} lingering containers (removed by the daemon: ${r.removed.join(', ')}):`);
  if (r.removed.every((x) => x === 0))
    console.log(
      "    (none by its own count: Podman 5 drops --rm containers itself, in the post-boot state reset of the first podman call, which is the daemon's removal)",
    );
  console.log(
    `    podman alone, rm -f -t 0 of all in one call:          ${base} ms  [${r.podman.join(', ')}]`,
  );
  console.log(
    `    daemon start → usr/finit-pods set:                    ${ms0(d)} ms  [${r.daemon.map((x) => x.toFixed(0)).join(', ')}]  ratio ${(d / base).toFixed(2)}×`,
  );
  const nc = median(r.noCache);
  const start = (w) => median(w.map((x) => Number(x.split('/')[0])).filter(Number.isFinite));
  console.log(
    `    the same without the V8 code cache:                  ${ms0(nc)} ms  [${r.noCache.map((x) => x.toFixed(0)).join(', ')}]  ratio ${(nc / base).toFixed(2)}×; the cache saves ${ms0(nc - d)} ms (removal started at ${start(r.when)} ms with it, ${start(r.whenNoCache)} ms without)`,
  );
  console.log(
    `      of which bootRecovery() (the daemon's own ms):      ${median(r.recovery)} ms  [${r.recovery.join(', ')}]  ratio ${(median(r.recovery) / base).toFixed(2)}×`,
  );
  const sc = median(r.syncCond);
  console.log(
    `    finit-pods sync, first run since boot → condition set: ${sc.toFixed(0)} ms  [${r.syncCond.map((x) => x.toFixed(0)).join(', ')}]  ratio ${(sc / base).toFixed(2)}×`,
  );
  console.log(`      (the whole process, exit included:                  ${s} ms  [${r.sync.join(', ')}])`);
  console.log(
    `    podman calls during boot recovery:                    ${[...new Set(r.calls)].join(', ')}`,
  );
  console.log(
    `    removal started / done, sync done, condition set, ms from the daemon's start: ${r.when.join(', ')}`,
  );
  console.log(
    `    what is left / which images, read from:               ${[...new Set(r.read)].join(', ')} (storage: containers/storage's records, no podman call)`,
  );
}
const calls = new Set(results.flatMap((r) => r.calls));
const ratio = (r) => median(r.daemon) / median(r.podman);
const missed = results.filter((r) => !(ratio(r) <= 1.2)).map((r) => r.n);
const verdict =
  missed.length === 0 && calls.size === 1
    ? 'MEETS the target'
    : `MISSES the target${missed.length ? ` (at ${missed.join(' and ')})` : ''}`;
console.log(
  `  podman calls ${calls.size === 1 ? 'constant' : 'NOT constant'} in the number of containers (${[...calls].join(', ')}; the event log read for the log lines after the condition included)`,
);
console.log(
  `  daemon start → condition vs podman alone: ${results.map((r) => `${ratio(r).toFixed(2)}× at ${r.n}`).join(', ')}; target ≤ 1.2× at each, podman calls constant: ${verdict}`,
);

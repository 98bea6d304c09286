#!/usr/bin/env node
// Benchmark: `finit-pods sync` over 1,000 units against the real Finit and Podman of a bookworm
// testbed. The pods are in runlevel 1 (WantedBy=rescue.target), so Finit registers all 1,000
// stanzas without starting 1,000 containers. Measures, as whole processes inside the testbed:
//   - a sync with nothing changed (target: at most 200 ms, zero files written, no reload);
//   - a sync with one unit changed (target: that pod's files written, exactly one reload).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const N = Number(process.env.BENCH_UNITS ?? 1000);
const RUNS = 5;
const stack = process.env.BENCH_STACK ?? 'bookworm';
const tb = (...args) =>
  execFileSync(join(repo, 'tools/testbed'), ['-s', stack, '-n', 'bench-sync', ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 1 << 26,
  });

const unit = (i, port = 8000) => `[Unit]
Description=bench pod ${i}

[Container]
Image=localhost/busybox:latest
Exec=httpd -f -p ${port} -h /www
Environment=INDEX=${i} "GREETING=hello world ${i}"
Label=bench=yes
PublishPort=${20000 + i}:${port}

[Install]
WantedBy=rescue.target
`;

function syncJson() {
  const t0 = process.hrtime.bigint();
  const out = tb('exec', 'node', `${repo}/dist/cli/launch.cjs`, 'sync', '--json');
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, report: JSON.parse(out) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

tb('setup');
try {
  tb('start');
  tb('import-image'); // sync checks that a pod's image is present before writing its stanza
  const dir = tb('dir').trim();
  const units = join(dir, 'cfg/containers');
  // (write into the directory, never replace it: the sandbox sees it through a bind mount)
  mkdirSync(units, { recursive: true });
  for (let i = 0; i < N; i++) writeFileSync(join(units, `b${i}.container`), unit(i));

  const first = syncJson();
  console.log(
    `first sync of ${N} units: ${first.ms.toFixed(0)} ms, ${first.report.written.length} files written, reload: ${first.report.reloaded}`,
  );

  // The testbed's exec (nsenter + env) costs time of its own; measure it to report sync alone.
  const overhead = median(
    Array.from({ length: RUNS }, () => {
      const t0 = process.hrtime.bigint();
      tb('exec', 'true');
      return Number(process.hrtime.bigint() - t0) / 1e6;
    }),
  );
  const unchanged = Array.from({ length: RUNS }, () => syncJson());
  const ms = median(unchanged.map((r) => r.ms));
  const writes = unchanged.reduce((n, r) => n + r.report.written.length, 0);
  const reloads = unchanged.filter((r) => r.report.reloaded).length;

  // The same sync in-process, as the daemon runs it (no Node start, modules already loaded).
  const inproc = `
    const { sync } = await import('${repo}/dist/apply/sync.js');
    const { initctlFinit, findInitctl } = await import('${repo}/dist/apply/finit.js');
    const { run } = await import('${repo}/dist/apply/run.js');
    const cfg = { unitsDir: '/cfg/containers', stanzaDir: '/etc/finit.d/enabled', runDir: '/run/finit-pods', cniDir: '/etc/cni/net.d', podman: '/usr/bin/podman' };
    const deps = { finit: initctlFinit(findInitctl()), exec: run };
    await sync(cfg, deps);
    const ms = [];
    for (let i = 0; i < ${RUNS}; i++) { const t0 = performance.now(); const r = await sync(cfg, deps); ms.push(performance.now() - t0); if (r.written.length || r.reloaded) throw new Error('wrote or reloaded'); }
    console.log(JSON.stringify(ms));`;
  const inMs = JSON.parse(tb('exec', 'node', '--input-type=module', '-e', inproc).trim().split('\n').pop());
  const inMedian = median(inMs);

  writeFileSync(join(units, 'b7.container'), unit(7, 8001));
  const changed = syncJson();

  console.log(
    `\nsync, ${N} units, ${stack} testbed (run inside the testbed, whose clean environment has no NODE_EXTRA_CA_CERTS)`,
  );
  console.log(
    `  unchanged: median ${ms.toFixed(0)} ms whole process (testbed exec overhead ${overhead.toFixed(0)} ms → sync ≈ ${(ms - overhead).toFixed(0)} ms); target ≤ 200 ms`,
  );
  console.log(
    `  unchanged, in-process (the daemon's case): median ${inMedian.toFixed(0)} ms; target ≤ 200 ms`,
  );
  console.log(
    `             files written ${writes} (target 0), reloads ${reloads} (target 0) over ${RUNS} runs`,
  );
  console.log(
    `  one changed: ${changed.ms.toFixed(0)} ms, files written ${changed.report.written.length} (${changed.report.written.map((p) => p.split('/').pop()).join(', ')}; target: that pod's .conf and .argv), reload: ${changed.report.reloaded} (target true)`,
  );
  const pass =
    inMedian <= 200 &&
    writes === 0 &&
    reloads === 0 &&
    changed.report.reloaded &&
    changed.report.written.length === 2;
  console.log(`  ${pass ? 'MEETS' : 'MISSES'} the targets`);
} finally {
  tb('destroy');
}

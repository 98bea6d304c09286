#!/usr/bin/env node
// Benchmark: finit-pods as it is installed (issue 18). The three artifacts of `npm run package`,
// made from this build (tools/package.mjs --no-build), and their sizes; the .deb's installed
// size; then, on every stack (BENCH_STACKS, default all), a clean-root sandbox (docs/testbed.md:
// the .deb installed, no repository, no npm, /usr read-only, /etc a tmpfs) with BENCH_PODS pods
// (default 3) started by the daemon that finit-pods.conf starts; BENCH_SETTLE_S seconds (default
// 10) after they all run, the daemon's RSS and its peak (VmRSS, VmHWM), next to the daemon's
// target at rest (tools/bench/rest.mjs), and what a bare node holds there. Always exits 0; a
// missed target says MISSED.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo, testbed } from './lib/testbed.mjs';

const PODS = Number(process.env.BENCH_PODS ?? 3);
const SETTLE_S = Number(process.env.BENCH_SETTLE_S ?? 10);
const TARGET_RSS_MB = 45;
const NAME = 'bench-package';

const run = (cmd, args) =>
  execFileSync(cmd, args, { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const bytesUnder = (dir) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);

const out = mkdtempSync(join(tmpdir(), 'finit-pods-bench-package-'));
try {
  run(process.execPath, [join(repo, 'tools/man.mjs')]);
  run(process.execPath, [join(repo, 'tools/package.mjs'), '--no-build', '--out', out]);
  const files = readdirSync(out);
  const tgz = join(
    out,
    files.find((f) => f.endsWith('.tgz')),
  );
  const deb = join(
    out,
    files.find((f) => f.endsWith('.deb')),
  );
  console.log('artifacts (npm run package, this build):');
  console.log(`  ${tgz.split('/').pop()}: ${kib(statSync(tgz).size)}`);
  console.log(`  ${deb.split('/').pop()}: ${kib(statSync(deb).size)}`);
  console.log(`  buildroot/: ${kib(bytesUnder(join(out, 'buildroot')))}, the tarball included`);
  const installed = run('dpkg-deb', ['-f', deb, 'Installed-Size']).trim();
  console.log(`installed (.deb Installed-Size): ${installed} KiB`);

  const stacks = (process.env.BENCH_STACKS ?? run(join(repo, 'tools/testbed'), ['stacks']))
    .split(/[\s,]+/)
    .filter(Boolean);
  console.log(`the daemon on a clean root, ${PODS} pods running, ${SETTLE_S} s after they started:`);
  for (const stack of stacks) {
    const tb = testbed(stack, NAME);
    const info = JSON.parse(tb('info'));
    try {
      tb('setup', deb);
      tb('start');
      tb('import-image');
      const units = join(tb('dir').trim(), 'cfg/containers');
      for (let i = 0; i < PODS; i++) {
        const unit = `[Container]\nImage=localhost/busybox:latest\nExec=sleep 100000\nStopTimeout=1\n`;
        writeFileSync(join(units, `.p${i}.tmp`), unit);
        run('mv', [join(units, `.p${i}.tmp`), join(units, `p${i}.container`)]);
      }
      tb(
        'sh',
        `timeout 180 sh -c 'until [ "$(podman ps -q | wc -l)" -ge ${PODS} ]; do sleep 0.5; done'; sleep ${SETTLE_S}`,
      );
      const pid = tb('sh', `${info.initctl} -p -t status | awk '$2 == "finit-pods" {print $1}'`).trim();
      const status = tb('sh', `cat /proc/${pid}/status`);
      const mb = (key) => Number(status.match(new RegExp(`^${key}:\\s*(\\d+) kB`, 'm'))?.[1]) / 1024;
      const rss = mb('VmRSS');
      const bare = Number(
        tb('exec', 'node', '-e', 'process.stdout.write(String(process.memoryUsage.rss()))'),
      );
      console.log(
        `  ${stack} (Finit ${info.finit}, Podman ${info.podman}): RSS ${rss.toFixed(1)} MB, peak ${mb('VmHWM').toFixed(1)} MB (a bare node: ${(bare / 2 ** 20).toFixed(1)} MB)   target ≤ ${TARGET_RSS_MB} MB${rss <= TARGET_RSS_MB ? '' : '  MISSED'}`,
      );
    } catch (e) {
      console.log(
        `  ${stack}: not measured: ${String(e.stderr || e.message)
          .trim()
          .split('\n')
          .pop()}`,
      );
    } finally {
      tb('destroy');
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

#!/usr/bin/env node
// Benchmark: `finit-pods check DIR` over 1,000 realistic unit files (containers with quoted Exec=,
// Environment=, PublishPort=, Volume=, Label=, Network=x.network; a few .network and .volume units;
// drop-ins type-wide, by truncated prefix and per unit), side by side with Podman's own Quadlet
// generator converting the same directory (`quadlet -dryrun`, the trixie root's binary).
// Both are timed as whole processes, one process each (median of several runs); ours with and
// without NODE_EXTRA_CA_CERTS, which makes every Node start read a CA bundle. Ours is the
// installed command (dist/cli/launch.cjs: the bundle compiled from its V8 code cache, see
// tools/bundle.mjs), and for comparison the same code as ES modules (dist/cli/main.js). A
// breakdown shows how much of our time is Node's own start, the command's start, and the
// translation itself.
// Target: at most 1.2× Quadlet. Env: BENCH_UNITS (default 1000), BENCH_RUNS (default 15), QUADLET_BIN.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const cli = join(repo, 'dist/cli/launch.cjs');
const esm = join(repo, 'dist/cli/main.js');
const N = Number(process.env.BENCH_UNITS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const NETWORKS = 20;
const VOLUMES = 10;
/** At most this many times Quadlet's time (median against median). */
const TARGET = 1.2;
const QUADLET_CANDIDATES = [
  process.env.QUADLET_BIN,
  '/var/cache/finit-pods/trixie-root/usr/libexec/podman/quadlet',
  '/tmp/finit-testbed-trixie/root/usr/libexec/podman/quadlet',
].filter(Boolean);

if (!existsSync(cli) || !existsSync(join(repo, 'dist/finit-pods.cjs.cache'))) {
  console.log(`no ${cli} or no bundle: build first (npm run build)`);
  process.exit(2);
}

// ---- the units ---------------------------------------------------------------------------------
const IMAGES = [
  'docker.io/library/nginx:1.27',
  'docker.io/library/redis:7-alpine',
  'quay.io/prometheus/node-exporter:v1.8.2',
  'ghcr.io/example/api:2.3.1',
  'registry.example.com/team/worker@sha256:4c0c8a0b5e2f7d1e3a9b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f',
];

function container(i) {
  const net = `net${i % NETWORKS}.network`;
  const lines = ['[Unit]', `Description=Bench service ${i}: "quoted" & more`];
  if (i % 7 === 0 && i > 0) lines.push(`After=app-${i - 1}.container`, `Wants=app-${i - 1}.container`);
  lines.push(
    '',
    '[Container]',
    `Image=${IMAGES[i % IMAGES.length]}`,
    `Exec=/bin/sh -c "echo 'hello ${i}'; exec sleep infinity" --label="x y"`,
    `Environment=INDEX=${i} "GREETING=hello world ${i}" TZ=UTC`,
    `Environment="PATHS=/a:/b c" EMPTY=`,
    `PublishPort=${10000 + i}:80`,
    `PublishPort=127.0.0.1:${30000 + i}:9090/udp`,
    `Volume=/srv/app-${i}/data:/data:Z`,
    `Volume=vol${i % VOLUMES}.volume:/shared:ro`,
    `Label=app=bench tier=${i % 3 === 0 ? 'web' : 'worker'} "note=unit number ${i}"`,
    `Network=${net}`,
  );
  if (i % 5 === 0)
    lines.push('HealthCmd=/bin/sh -c "wget -q -O- http://localhost/ || exit 1"', 'HealthInterval=30s');
  if (i % 4 === 0) lines.push('AddCapability=CAP_NET_ADMIN', 'DropCapability=ALL', 'ReadOnly=true');
  if (i % 6 === 0) lines.push('User=1000', 'Group=1000', 'WorkingDir=/srv');
  lines.push(
    '',
    '[Service]',
    'Restart=always',
    `RestartSec=${(i % 10) + 1}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  );
  return lines.join('\n');
}

const network = (i) =>
  [
    '[Network]',
    `Subnet=10.${100 + i}.0.0/24`,
    `Gateway=10.${100 + i}.0.1`,
    i % 2 ? `NetworkName=bench-net-${i}` : 'Internal=false',
    'Label=bench=yes',
    '',
  ].join('\n');
const volume = (i) =>
  ['[Volume]', `Label=bench=yes "owner=team ${i}"`, i % 2 ? 'Copy=false' : '', ''].join('\n');

function generate(dir) {
  const containers = N - NETWORKS - VOLUMES;
  for (let i = 0; i < NETWORKS; i++) writeFileSync(join(dir, `net${i}.network`), network(i));
  for (let i = 0; i < VOLUMES; i++) writeFileSync(join(dir, `vol${i}.volume`), volume(i));
  for (let i = 0; i < containers; i++) writeFileSync(join(dir, `app-${i}.container`), container(i));
  // drop-ins: type-wide, truncated prefix, and one per tenth unit
  mkdirSync(join(dir, 'container.d'));
  writeFileSync(join(dir, 'container.d/10-common.conf'), '[Container]\nLabel=managed-by=bench\nPull=never\n');
  mkdirSync(join(dir, 'app-.container.d'));
  writeFileSync(join(dir, 'app-.container.d/20-app.conf'), '[Container]\nEnvironment=ROLE=app\n');
  for (let i = 0; i < containers; i += 10) {
    mkdirSync(join(dir, `app-${i}.container.d`));
    writeFileSync(
      join(dir, `app-${i}.container.d/50-override.conf`),
      `[Container]\nPublishPort=\nPublishPort=${40000 + i}:80\nEnvironment="OVERRIDE=drop-in ${i}"\n`,
    );
  }
  return containers;
}

// ---- timing ------------------------------------------------------------------------------------
// The machine may be busy with other work: every round runs each command once, in turn, so all of
// them see the same load; the figures are the median (and the best) over the rounds.
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => `${x.toFixed(0)} ms`;

// Timed runs write to /dev/null: Quadlet -dryrun prints every generated unit (1.8 MB for 1,000)
// and a line per file read on stderr, and reading that through a pipe would be timed as its
// work (+50 ms here; to a file, stderr's line-at-a-time writes cost it most of a second). The
// warm-up run of each captures the output and checks it.
function once(cmd, args, env, capture = false) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'ignore',
  });
  return { dt: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

/** jobs: name → {cmd, args, env, check?}. One warm-up (checked), then RUNS interleaved rounds. */
function timeAll(jobs) {
  const times = Object.fromEntries(Object.keys(jobs).map((k) => [k, []]));
  for (const [k, j] of Object.entries(jobs)) j.check?.(once(j.cmd, j.args, j.env, true).r, k);
  for (let i = 0; i < RUNS; i++)
    for (const [k, j] of Object.entries(jobs)) times[k].push(once(j.cmd, j.args, j.env).dt);
  return Object.fromEntries(
    Object.entries(times).map(([k, v]) => [k, { med: median(v), min: Math.min(...v) }]),
  );
}
const fmt = (t) => `${ms(t.med)} (best ${ms(t.min)})`;

const withCa = { ...process.env };
const withoutCa = { ...process.env };
delete withoutCa.NODE_EXTRA_CA_CERTS;
const caSet = Boolean(process.env.NODE_EXTRA_CA_CERTS);
const quadlet = QUADLET_CANDIDATES.find((p) => existsSync(p));

const dir = mkdtempSync(join(tmpdir(), 'finit-pods-bench-'));
const keep = process.env.BENCH_KEEP === '1';
try {
  const containers = generate(dir);
  console.log(
    `${N} unit files in ${dir}: ${containers} .container, ${NETWORKS} .network, ${VOLUMES} .volume; drop-ins: container.d/, app-.container.d/, ${Math.ceil(containers / 10)} per-unit`,
  );
  console.log(
    `NODE_EXTRA_CA_CERTS is ${caSet ? `set (${process.env.NODE_EXTRA_CA_CERTS})` : 'not set'}; ${RUNS} interleaved rounds, median (best); load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );

  const checkOurs = (r) => {
    if (r.status !== 0 || !r.stdout.includes(`${N} of ${N} units usable`)) {
      console.log(
        `finit-pods check did not accept every unit (exit ${r.status}):\n${r.stdout}${r.stderr.slice(0, 2000)}`,
      );
      process.exit(1);
    }
  };
  let services = 0;
  const checkQuadlet = (r) => {
    services = (r.stdout.match(/^---.*\.service---$/gm) ?? []).length;
    if (r.status !== 0 || services !== N || /converting "/.test(r.stderr)) {
      console.log(
        `Quadlet did not convert every unit (exit ${r.status}, ${services} services):\n${r.stderr.slice(0, 3000)}`,
      );
      process.exit(1);
    }
  };
  const node = process.execPath;
  const jobs = {
    ours: { cmd: node, args: [cli, 'check', dir], env: withoutCa, check: checkOurs },
    oursEsm: { cmd: node, args: [esm, 'check', dir], env: withoutCa, check: checkOurs },
    ...(caSet ? { oursCa: { cmd: node, args: [cli, 'check', dir], env: withCa, check: checkOurs } } : {}),
    ...(quadlet
      ? {
          quadlet: {
            cmd: quadlet,
            args: ['-dryrun'],
            env: { ...process.env, QUADLET_UNIT_DIRS: dir },
            check: checkQuadlet,
          },
        }
      : {}),
    nodeBare: { cmd: node, args: ['-e', '0'], env: withoutCa },
    ...(caSet ? { nodeBareCa: { cmd: node, args: ['-e', '0'], env: withCa } } : {}),
    // the command's start alone: the bundle from its code cache, the command table, the usage
    startOnly: { cmd: node, args: [cli, '--help'], env: withoutCa },
  };
  const t = timeAll(jobs);

  // The translation alone, in this process (modules loaded, after one warm-up pass).
  const { translateDir } = await import(join(repo, 'dist/model/translate.js'));
  translateDir(dir);
  const inproc = median(
    Array.from({ length: RUNS }, () => {
      const t0 = process.hrtime.bigint();
      translateDir(dir);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    }),
  );

  const perFile = (x) => `${((x * 1000) / N).toFixed(0)} µs/file`;
  console.log('');
  console.log(
    `finit-pods check, whole process, without NODE_EXTRA_CA_CERTS: ${fmt(t.ours)}, ${perFile(t.ours.med)}`,
  );
  if (t.oursCa)
    console.log(
      `finit-pods check, whole process, with NODE_EXTRA_CA_CERTS:    ${fmt(t.oursCa)}, ${perFile(t.oursCa.med)}`,
    );
  console.log(
    `  (the same code as ES modules, no bundle and no code cache: ${fmt(t.oursEsm)}, without NODE_EXTRA_CA_CERTS)`,
  );
  console.log(
    `  Node's own start ${fmt(t.nodeBare)}${t.nodeBareCa ? `, with the CA bundle ${fmt(t.nodeBareCa)}` : ''}; ` +
      `starting the command (--help) +${ms(t.startOnly.med - t.nodeBare.med)}; ` +
      `translating ${N} files in-process, warm: ${ms(inproc)} (${perFile(inproc)})`,
  );
  if (!t.quadlet) {
    console.log(
      `Quadlet: no binary (looked for ${QUADLET_CANDIDATES.join(', ')}; tools/setup.sh builds the trixie root), no comparison`,
    );
  } else {
    const ver = spawnSync(quadlet, ['-version'], { encoding: 'utf8' }).stdout.trim();
    console.log(
      `Quadlet ${ver} -dryrun (${quadlet}, ${services} services): ${fmt(t.quadlet)}, ${perFile(t.quadlet.med)}`,
    );
    console.log('');
    const ratio = (a) =>
      `${(a / t.quadlet.med).toFixed(2)}× Quadlet (${a < t.quadlet.med ? 'faster' : 'slower'})`;
    const verdict = t.ours.med <= TARGET * t.quadlet.med ? 'MEETS' : 'MISSES';
    console.log(
      `ours without NODE_EXTRA_CA_CERTS: ${ratio(t.ours.med)}; target ≤ ${TARGET}× Quadlet: ${verdict} the target`,
    );
    if (t.oursCa) console.log(`ours with NODE_EXTRA_CA_CERTS:    ${ratio(t.oursCa.med)}`);
  }
} finally {
  if (keep) console.log(`(kept ${dir})`);
  else rmSync(dir, { recursive: true, force: true });
}

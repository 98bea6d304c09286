#!/usr/bin/env node
// Part of the build (after tsc): dist/cli/main.js and everything it imports as one CommonJS
// script, dist/finit-pods.cjs, and the V8 code cache dist/finit-pods.cjs.cache that
// dist/cli/launch.cjs (the installed command) compiles it from. The cache holds the code a
// `check` compiled, run over the units in examples/ and a generated directory shaped like a real
// one (drop-ins, networks, volumes); what other commands need beyond it is compiled as they run.
// It is only valid for this Node (V8 checks its version and refuses any other): build on the
// Node that will run it. Beside them, dist/finit-pods.licenses: the notices of the packages the
// bundle carries (tools/licenses.mjs).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { licensesText } from './licenses.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const dist = join(repo, 'dist');
const bundle = join(dist, 'finit-pods.cjs');
const launcher = join(dist, 'cli', 'launch.cjs');

// The runner script: tsc copies no .sh, so it goes beside dist/render/stanza.js, which reads it;
// the bundle gets its text as a define and reads no file but itself.
const runnerSh = join(repo, 'src', 'render', 'finit-pods-run.sh');
copyFileSync(runnerSh, join(dist, 'render', 'finit-pods-run.sh'));

const { metafile } = await build({
  entryPoints: [join(dist, 'cli', 'main.js')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // chokidar goes in, so the installed command needs no node_modules
  // no import() left: a script compiled from a code cache has no module loader to call
  supported: { 'dynamic-import': false },
  // import.meta.url as the module that used it would see it: main.js reads ../../package.json
  define: {
    'import.meta.url': '__mainUrl',
    FINIT_PODS_RUNNER_SCRIPT: JSON.stringify(readFileSync(runnerSh, 'utf8')),
  },
  banner: {
    js: "const __mainUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, 'cli', 'main.js')).href;",
  },
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
});
writeFileSync(join(dist, 'finit-pods.licenses'), licensesText(repo, Object.keys(metafile.inputs)));
// (the launcher wraps the text in a function: a #! line would not parse there)
writeFileSync(bundle, readFileSync(bundle, 'utf8').replace(/^#!.*\n/, ''));

// The warm-up directory: units of every kind, as a units directory on a device has them.
const dir = mkdtempSync(join(tmpdir(), 'finit-pods-warm-'));
try {
  for (let i = 0; i < 3; i++)
    writeFileSync(join(dir, `net${i}.network`), `[Network]\nSubnet=10.${90 + i}.0.0/24\nLabel=a=b\n`);
  writeFileSync(join(dir, 'data.volume'), '[Volume]\nLabel=owner=team\n');
  mkdirSync(join(dir, 'container.d'));
  writeFileSync(
    join(dir, 'container.d', '10-common.conf'),
    '[Container]\nLabel=managed-by=warm\nPull=never\n',
  );
  for (let i = 0; i < 60; i++) {
    writeFileSync(
      join(dir, `app-${i}.container`),
      `[Unit]
Description=App ${i}
${i % 7 === 0 && i > 0 ? `After=app-${i - 1}.container\n` : ''}
[Container]
Image=docker.io/library/nginx:1.27
Exec=/bin/sh -c "echo 'hello ${i}'; exec sleep infinity"
Environment=INDEX=${i} "GREETING=hello world" TZ=UTC
PublishPort=${10000 + i}:80
Volume=/srv/app-${i}:/data:Z
Volume=data.volume:/shared:ro
Label=app=warm "note=unit ${i}"
Network=net${i % 3}.network
${i % 4 === 0 ? 'AddCapability=CAP_NET_ADMIN\nDropCapability=ALL\nReadOnly=true\n' : ''}${i % 5 === 0 ? 'HealthCmd=/bin/true\nHealthInterval=30s\n' : ''}
[Service]
Restart=always
RestartSec=3

[Install]
WantedBy=multi-user.target
`,
    );
  }
  const run = (args) => {
    const r = spawnSync(process.execPath, [launcher, ...args], {
      env: { ...process.env, FINIT_PODS_CODE_CACHE: 'write' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0)
      throw new Error(`finit-pods ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  };
  rmSync(`${bundle}.cache`, { force: true });
  run(['check', join(repo, 'examples'), dir]);
  const size = statSync(`${bundle}.cache`).size;
  console.log(
    `bundle: ${bundle} (${statSync(bundle).size} bytes), code cache for node ${process.version}: ${size} bytes`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// The installed command (src/cli/launch.cts, package.json bin): the bundle compiled from its V8
// code cache, the same answers as the ES modules; a cache V8 refuses, or none, changes nothing but
// the time; without a bundle the ES modules run.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { BIN, BUNDLE, ensureBuilt, MAIN, ROOT } from '../helpers/build.js';

ensureBuilt();

const run = (entry: string, args: string[], env: Record<string, string | undefined> = {}) =>
  spawnSync(process.execPath, [entry, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });

const units = join(ROOT, 'examples');

t.test('the bundle from its code cache answers as the ES modules do', async (t) => {
  const r = run(BIN, ['check', units], { FINIT_PODS_CODE_CACHE: 'report' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, /^code cache: accepted$/m, 'V8 took the cache made at build time');
  const esm = run(MAIN, ['check', units]);
  t.equal(r.stdout, esm.stdout, 'check: the same output');
  const noNpm = { npm_package_version: undefined }; // --version then reads package.json (an import())
  for (const args of [
    ['render', '--json', join(units, 'web.container')],
    ['--version'],
    ['--help'],
    ['daemon', '--no-such-option'], // the daemon's first step imports node:util
  ]) {
    const a = run(BIN, args, noNpm);
    const b = run(MAIN, args, noNpm);
    t.equal(a.stderr, b.stderr, `${args.join(' ')}: the same errors`);
    t.equal(a.status, b.status, `${args.join(' ')}: the same exit status`);
    t.equal(a.stdout, b.stdout, `${args.join(' ')}: the same output`);
  }
});

t.test('a cache V8 refuses, or none: compiled as usual, the same answer', async (t) => {
  // a copy of dist/, to spoil its cache without touching the build
  const dir = mkdtempSync(join(tmpdir(), 'finit-pods-launch-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true, preserveTimestamps: true });
  const bin = join(dir, 'dist', 'cli', 'launch.cjs');
  const cache = join(dir, 'dist', 'finit-pods.cjs.cache');
  const expected = run(MAIN, ['check', units]).stdout;

  const good = readFileSync(cache);
  const bad = Buffer.from(good);
  bad.fill(0x5a, 0, 64); // its header: V8's version and flag checks
  writeFileSync(cache, bad);
  const r = run(bin, ['check', units], { FINIT_PODS_CODE_CACHE: 'report' });
  t.match(r.stderr, /^code cache: rejected$/m, 'a spoilt cache is refused');
  t.equal(r.status, 0);
  t.equal(r.stdout, expected, 'and the command works');

  rmSync(cache);
  const none = run(bin, ['check', units], { FINIT_PODS_CODE_CACHE: 'report' });
  t.match(none.stderr, /^code cache: absent$/m);
  t.equal(none.stdout, expected, 'no cache: the same');

  // tsc ran after the last bundle: the bundle is stale, the ES modules run
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(dir, 'dist', 'cli', 'main.js'), later, later);
  const stale = run(bin, ['check', units], { FINIT_PODS_CODE_CACHE: 'report' });
  t.notMatch(stale.stderr, /code cache/, 'a bundle older than main.js: the ES modules run');
  t.equal(stale.stdout, expected, 'with the same answer');

  rmSync(join(dir, 'dist', 'finit-pods.cjs'));
  const esm = run(bin, ['check', units], { FINIT_PODS_CODE_CACHE: 'report' });
  t.notMatch(esm.stderr, /code cache/, 'no bundle: the ES modules run');
  t.equal(esm.stdout, expected, 'with the same answer');
});

t.test('the bundle is one script: it reads no module of dist/ but itself', async (t) => {
  const text = readFileSync(BUNDLE, 'utf8');
  t.notMatch(text, /require\("\.\.?\//, 'no relative require');
  t.notMatch(text, /^#!/, 'no #! line (the launcher wraps it in a function)');
  t.notMatch(text, /\bimport\(/, 'no import(): compiled from a code cache, it has no module loader to call');
});

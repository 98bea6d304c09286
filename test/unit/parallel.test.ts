// translateDirParallel (src/model/parallel.ts): the same results, in the same order, as
// translateDir, whatever share of the directory each thread reads; references across shares
// resolve; a worker that fails leaves this thread to do the whole directory. The built modules
// are used (dist/), since a worker runs compiled JavaScript, as it does for users.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type * as Parallel from '../../src/model/parallel.js';
import type * as Translate from '../../src/model/translate.js';
import { ensureBuilt, MAIN, ROOT } from '../helpers/build.js';

ensureBuilt();
const { translateDirParallel } = (await import(join(ROOT, 'dist/model/parallel.js'))) as typeof Parallel;
const { translateDir, leanResult } = (await import(
  join(ROOT, 'dist/model/translate.js')
)) as typeof Translate;

/**
 * A directory whose units name each other across any split: `z-net.network` sorts last and is
 * used by the first containers; `a-first.container` sorts first and is joined by the last ones.
 * Drop-ins type-wide, by prefix and per unit; a template with instances; broken units.
 */
function makeDir(containers: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'finit-pods-parallel-'));
  const w = (name: string, text: string) => writeFileSync(join(dir, name), text);
  w('z-net.network', '[Network]\nSubnet=10.9.0.0/24\nNetworkName=zed\n');
  w('vol.volume', '[Volume]\nVolumeName=shared-%N\n');
  w('a-first.container', '[Container]\nImage=busybox\nContainerName=first\nExec=sleep 1000\n');
  w('tmpl@.container', '[Container]\nImage=busybox\nExec=echo %i\n');
  w('tmpl@one.container', '');
  w('tmpl@two.container', '');
  w('legacy.pod', '[Pod]\n');
  for (let i = 0; i < containers; i++) {
    const lines = ['[Unit]', `Description=app ${i}`, '', '[Container]', 'Image=docker.io/library/nginx:1.27'];
    lines.push(i % 2 ? 'Network=z-net.network' : 'Network=a-first.container');
    lines.push(`Environment=I=${i} "X=a b"`, `PublishPort=${20000 + i}:80`, 'Volume=vol.volume:/v:ro');
    if (i % 50 === 7) lines.push('Imagee=typo');
    if (i % 50 === 9) lines.push('Network=missing.network');
    if (i % 25 === 3) lines.push('', '[Service]', 'Restart=on-abort', 'RestartSec=5s');
    w(`app-${String(i).padStart(4, '0')}.container`, `${lines.join('\n')}\n`);
  }
  mkdirSync(join(dir, 'container.d'));
  w('container.d/10-all.conf', '[Container]\nLabel=site=lab\n');
  mkdirSync(join(dir, 'app-.container.d'));
  w('app-.container.d/20-apps.conf', '[Container]\nEnvironment=ROLE=app\n');
  mkdirSync(join(dir, 'app-0005.container.d'));
  w('app-0005.container.d/50-one.conf', '[Container]\nPublishPort=\nPublishPort=1:1\n');
  return dir;
}

const dir = makeDir(400);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const serial = translateDir(dir).results;

t.test('the same results as translateDir, in the same order, on 2 and 3 threads', async (t) => {
  t.ok(serial.some((r) => !r.ok) && serial.some((r) => r.ok), 'the directory has usable and broken units');
  for (const threads of [2, 3]) {
    const par = await translateDirParallel(dir, {}, { threads, minUnitsPerThread: 1 });
    t.equal(par.length, serial.length, `${threads} threads: every unit`);
    t.same(
      par.map((r) => r.name.filename),
      serial.map((r) => r.name.filename),
      'file-name order',
    );
    t.same(par, serial, `${threads} threads: results identical, models and diagnostics included`);
  }
});

t.test('references across shares resolve', async (t) => {
  const par = await translateDirParallel(dir, {}, { threads: 3, minUnitsPerThread: 1 });
  const argv = (f: string) => {
    const m = par.find((r) => r.name.filename === f)?.model;
    return m?.kind === 'container' ? m.runArgs : [];
  };
  // the last container joins a-first's network (read by the first thread); the first uses z-net
  t.match(argv('app-0399.container').join(' '), /--network zed\b/);
  t.match(argv('app-0398.container').join(' '), /--network container:first\b/);
  t.match(argv('app-0001.container').join(' '), /-v shared-vol:\/v:ro/);
  const missing = par.find((r) => r.name.filename === 'app-0009.container')!;
  t.match(
    missing.diagnostics.map((d) => d.message).join('\n'),
    /missing\.network was not found/,
    'a reference to a unit no thread has is still an error',
  );
});

t.test('lean results leave the models out and keep the rest', async (t) => {
  const par = await translateDirParallel(dir, {}, { threads: 2, minUnitsPerThread: 1, lean: true });
  t.same(par, serial.map(leanResult));
  t.notOk(
    par.some((r) => 'model' in r),
    'no models',
  );
});

t.test('a worker that fails: this thread translates the whole directory', async (t) => {
  const broken = join(dir, 'broken-worker.mjs');
  writeFileSync(broken, 'throw new Error("worker cannot start");\n');
  const exiting = join(dir, 'exiting-worker.mjs');
  writeFileSync(exiting, 'process.exit(3);\n');
  for (const script of [broken, exiting]) {
    const par = await translateDirParallel(
      dir,
      {},
      { threads: 2, minUnitsPerThread: 1, workerUrl: new URL(`file://${script}`) },
    );
    t.same(par, serial, `${script}: same results`);
  }
});

t.test('small directories and injected file checks stay in this thread', async (t) => {
  const marker = join(dir, 'worker-started');
  const spy = join(dir, 'spy-worker.mjs');
  writeFileSync(
    spy,
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, '');\n`,
  );
  const spyUrl = new URL(`file://${spy}`);
  const few = await translateDirParallel(dir, {}, { threads: 4, minUnitsPerThread: 1000, workerUrl: spyUrl });
  t.same(few, serial, 'fewer units than a second thread needs');
  const exists = () => true;
  const withExists = await translateDirParallel(
    dir,
    { exists },
    { threads: 2, minUnitsPerThread: 1, workerUrl: spyUrl },
  );
  t.same(withExists, translateDir(dir, { exists }).results, 'exists= (a function) cannot go to a worker');
  t.notOk(existsSync(marker), 'no worker was started');
  await translateDirParallel(dir, {}, { threads: 2, minUnitsPerThread: 1, workerUrl: spyUrl });
  t.ok(existsSync(marker), '(the spy does notice a worker)');
});

t.test(
  'finit-pods check on a directory large enough for threads: exit status, FILE:LINE, count',
  async (t) => {
    const r = spawnSync(process.execPath, [MAIN, 'check', dir], { encoding: 'utf8', timeout: 120_000 });
    t.equal(r.status, 1, 'broken units: exit 1');
    const usable = serial.filter((x) => x.ok).length;
    t.match(r.stdout, `${usable} of ${serial.length} units usable`);
    const expected = serial.flatMap((x) =>
      x.diagnostics.map((d) => `${d.line > 0 ? `${d.file}:${d.line}` : d.file}: ${d.severity}: ${d.message}`),
    );
    t.same(r.stderr.trimEnd().split('\n'), expected, 'every diagnostic, in file order, as FILE:LINE');
    t.ok(
      expected.some((l) => l.includes('app-0357.container') && l.includes('Imagee')),
      'including those of units the worker read',
    );
  },
);

t.test(
  'FINIT_PODS_THREADS: 1 gives the same output on one thread; a bad value is a usage error',
  async (t) => {
    const run = (threads: string) =>
      spawnSync(process.execPath, [MAIN, 'check', dir], {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, FINIT_PODS_THREADS: threads },
      });
    const one = run('1');
    const two = run('2');
    t.equal(one.status, 1);
    t.same([one.stdout, one.stderr], [two.stdout, two.stderr], 'identical output');
    const bad = run('many');
    t.equal(bad.status, 2);
    t.match(bad.stderr, /FINIT_PODS_THREADS=many: a whole number/);
  },
);

// `check` of a large directory in two processes (src/cli/check-helper.ts, check-dir.ts): the
// output is the one-process output, byte for byte, whoever translated which unit; a helper that
// lies, dies or cannot start costs nothing but the time; and when a helper starts at all.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { checkDir } from '../../src/cli/check-dir.js';
import { Helper, helperDir, type UnitReport } from '../../src/cli/check-helper.js';
import { BIN, ensureBuilt } from '../helpers/build.js';

ensureBuilt();

/** `n` units: most usable, some with warnings, some with errors, a few of other kinds, drop-ins. */
function unitsDir(dir: string, n: number): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'db.network'), '[Network]\nSubnet=10.9.0.0/24\n');
  writeFileSync(join(dir, 'data.volume'), '[Volume]\n');
  writeFileSync(join(dir, 'group.pod'), '[Pod]\n'); // not supported yet: an error
  mkdirSync(join(dir, 'container.d'));
  writeFileSync(join(dir, 'container.d/10-all.conf'), '[Container]\nLabel=from=drop-in\n');
  for (let i = 0; i < n; i++) {
    const lines = ['[Container]', `Image=docker.io/library/busybox:${i}`, 'Network=db.network'];
    if (i % 7 === 0) lines.push('Imgae=typo'); // an error, with a suggestion
    if (i % 11 === 0) lines.push('Notify=true'); // a warning
    if (i % 13 === 0) lines.push('Volume=missing.volume:/data'); // an error
    if (i % 17 === 0) lines.push(`Exec=sh -c "echo 'hi; ${i}' # not a comment"`);
    writeFileSync(join(dir, `u${String(i).padStart(4, '0')}.container`), `${lines.join('\n')}\n`);
  }
  return dir;
}

const check = (dir: string, env: Record<string, string>) =>
  spawnSync(process.execPath, [BIN, 'check', dir], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, FINIT_PODS_CHECK_REPORT: '1', ...env },
  });
const REPORT = /^.*: (\d+) units, (\d+) of them translated by a helper process\n/m;

t.test('the installed command: two processes print what one prints', async (t) => {
  const dir = unitsDir(t.testdir({}), 400);
  const one = check(dir, { FINIT_PODS_CHECK_JOBS: '1' });
  const two = check(dir, { FINIT_PODS_CHECK_JOBS: '2' });
  t.equal(one.status, 1, 'some units have errors');
  t.match(one.stdout, /^\d+ of 403 units usable\n$/);
  t.match(one.stderr, /u0000\.container:4: error: unsupported key Imgae= in \[Container\]/);
  t.match(one.stderr, /\n.*: 403 units, 0 of them translated by a helper process\n$/, 'one process');
  t.equal(two.status, one.status, 'the same exit status');
  t.equal(two.stdout, one.stdout, 'the same summary');
  t.equal(two.stderr.replace(REPORT, ''), one.stderr.replace(REPORT, ''), 'the same diagnostics, in order');
});

/** What checkDir hands over for `dir`, and how the work was shared. */
async function collect(dir: string, helper?: Helper) {
  const reports: UnitReport[] = [];
  const shared = await checkDir(dir, {}, (r) => reports.push(r), helper);
  return { reports, ...shared };
}

/** Waits until `helper` has done at least `n` of `count` units (or 20 s have passed). */
async function helperDone(helper: Helper, count: number, n: number): Promise<void> {
  const until = Date.now() + 20_000;
  while (count - helper.doneFrom(count) < n && Date.now() < until)
    await new Promise((r) => setTimeout(r, 10));
}

t.test('units the helper has done are taken from it, the rest translated here', async (t) => {
  const dir = unitsDir(t.testdir({}), 120);
  const alone = await collect(dir);
  t.equal(alone.count, 123);
  t.equal(alone.helped, 0, 'no helper: every unit here');
  const helper = new Helper([BIN, 'check', dir]);
  await helperDone(helper, 123, 40);
  const shared = await collect(dir, helper);
  t.ok(shared.helped >= 40, `the helper's units were used (${shared.helped})`);
  t.same(shared.reports, alone.reports, 'the same reports, in the same order');
  t.ok(
    alone.reports.some((r) => !r.ok) && alone.reports.some((r) => r.lines.length > 0),
    'with errors and warnings among them',
  );
});

t.test('a helper that lies, dies or cannot start changes nothing but the time', async (t) => {
  const dir = unitsDir(t.testdir({}), 30);
  const alone = await collect(dir);
  const fake = (script: string) => new Helper(['-e', script]);
  const cases: [string, Helper, number][] = [
    ['another unit count', fake("process.stdout.write('units\\t7\\n6\\t1\\t[]\\n')"), 0],
    ['no unit count', fake("process.stdout.write('32\\t1\\t[]\\n')"), 0],
    ['out of order', fake("process.stdout.write('units\\t33\\n30\\t1\\t[]\\n')"), 0],
    ['not JSON', fake("process.stdout.write('units\\t33\\n32\\t1\\t[oops\\n')"), 0],
    ['exits at once', fake('0'), 0],
    ['fails at its start', new Helper(['/nonexistent/finit-pods-helper.js']), 0],
  ];
  for (const [what, helper, helped] of cases) {
    await new Promise((r) => setTimeout(r, 300)); // whatever it sends has come
    const r = await collect(dir, helper);
    t.equal(r.helped, helped, `${what}: none of its lines used`);
    t.same(r.reports, alone.reports, `${what}: the same reports`);
  }
  // a helper that did two units and died: those two are used
  const real = spawnSync(process.execPath, [BIN, 'check', dir], {
    encoding: 'utf8',
    env: { ...process.env, FINIT_PODS_CHECK_HELPER: '1' },
  });
  const two = real.stdout.split('\n').slice(0, 3).join('\n');
  t.match(two, /^units\t33\n32\t[01]\t\[.*\]\n31\t[01]\t\[.*\]$/, 'what a helper writes');
  const dying = fake(`process.stdout.write(${JSON.stringify(`${two}\n`)})`);
  await helperDone(dying, 33, 2);
  const r = await collect(dir, dying);
  t.equal(r.helped, 2, 'the two units it did are used');
  t.same(r.reports, alone.reports, 'the same reports');
});

t.test('a helper is started for one large directory on a machine with two CPUs', async (t) => {
  const saved = process.env.FINIT_PODS_CHECK_JOBS;
  t.teardown(() => {
    if (saved === undefined) delete process.env.FINIT_PODS_CHECK_JOBS;
    else process.env.FINIT_PODS_CHECK_JOBS = saved;
  });
  const root = t.testdir({});
  const big = unitsDir(join(root, 'big'), 600);
  const small = unitsDir(join(root, 'small'), 100);
  delete process.env.FINIT_PODS_CHECK_JOBS;
  const cpus = (await import('node:os')).availableParallelism();
  t.equal(helperDir([big]), cpus >= 2 ? big : undefined, `600 units, ${cpus} CPUs`);
  t.equal(helperDir(['--finit-version', '4.14', big]), cpus >= 2 ? big : undefined, 'with an option');
  t.equal(helperDir([small]), undefined, '100 units: done before a helper could help');
  t.equal(helperDir([big, small]), undefined, 'two paths: one process');
  t.equal(helperDir([join(big, 'u0001.container')]), undefined, 'a file');
  t.equal(helperDir(['--bogus', big]), undefined, 'bad usage');
  process.env.FINIT_PODS_CHECK_JOBS = '1';
  t.equal(helperDir([big]), undefined, 'FINIT_PODS_CHECK_JOBS=1: never');
  process.env.FINIT_PODS_CHECK_JOBS = '2';
  t.equal(helperDir([small]), small, 'FINIT_PODS_CHECK_JOBS=2: always');
});

// The Finit adapter (src/apply/finit.ts): what Finit's condition files say, services() (JSON on
// 4.4+, the table otherwise; it fails rather than answer "no services") and restart().

import { join } from 'node:path';
import t from 'tap';
import { condFromFiles, FinitError, initctlFinit } from '../../src/apply/finit.js';
import { CommandError, type Runner } from '../../src/apply/run.js';
import { READY_CONDITION as READY } from '../../src/render/stanza.js';
import { fakeRunner } from '../helpers/fakes.js';
import { JSON_412, TABLE_42 } from '../helpers/initctl.js';

t.test("condFromFiles: what Finit's condition files say about usr/NAME", async (t) => {
  const on = t.testdir({ usr: { [READY]: t.fixture('symlink', '/dev/null') } });
  t.equal(condFromFiles(READY, on), true, 'usr/NAME there: set');
  t.equal(condFromFiles(READY, t.testdir({ usr: { other: '' } })), false, 'usr/ without NAME: not set');
  // Finit 4.12 boots with no usr/ at all: it appears with the first usr/ condition set
  t.equal(condFromFiles(READY, t.testdir({ service: {} })), false, 'no usr/ yet: not set');
  t.equal(
    condFromFiles(READY, join(t.testdirName, 'none')),
    undefined,
    'no condition directory: cannot tell',
  );
});

t.test(
  'Finit services(): JSON on 4.4+, the table on 4.2 and when the JSON is broken; a failure throws',
  async (t) => {
    const table = { stdout: TABLE_42 };
    const services = (exec: Runner, version: string) => initctlFinit('initctl', exec).services(version);
    let exec = fakeRunner({ 'initctl -j status': { stdout: JSON_412 }, 'initctl -p -t status': table });
    t.equal((await services(exec, '4.12')).find((s) => s.identity === 'pod:web')?.restarts, 10);
    t.same(exec.calls, ['initctl -j status'], 'one call');

    exec = fakeRunner({ 'initctl -j status': { stdout: JSON_412 }, 'initctl -p -t status': table });
    t.equal((await services(exec, '4.2')).length, 4, '4.2: the table');
    t.same(exec.calls, ['initctl -p -t status'], '4.2: -j is not tried');

    exec = fakeRunner({
      'initctl -j status': { stdout: '[{"description":"a "b""}]' },
      'initctl -p -t status': table,
    });
    t.equal((await services(exec, '4.12')).length, 4, 'broken JSON (before 4.16): the table');

    // a failed call is not "no services": it throws the typed error
    exec = fakeRunner({
      'initctl -j status': { exitCode: 1, stderr: 'initctl: failed connecting to finit' },
      'initctl -p -t status': table,
    });
    const e = await services(exec, '4.12').catch((x: unknown) => x);
    t.ok(e instanceof FinitError && e instanceof CommandError, '-j exits non-zero: a FinitError');
    t.match(e, {
      message: 'initctl -j status failed: initctl: failed connecting to finit',
      command: ['initctl', '-j', 'status'],
      exitCode: 1,
      stderr: 'initctl: failed connecting to finit',
    });
    exec = fakeRunner({ 'initctl -p -t status': { exitCode: 255, stdout: '' } });
    await t.rejects(
      services(exec, '4.2'),
      { message: 'initctl -p -t status failed: exit 255' },
      '4.2: the table fails',
    );
    exec = fakeRunner({ 'initctl -j status': { exitCode: 1, stdout: '[]' } });
    await t.rejects(services(exec, '4.12'), FinitError, 'even with output that reads as no services');
  },
);

t.test('Finit services(): what the list lacks of the services expected is asked for by name', async (t) => {
  // Finit's one iterator, shared by every client: a list read while another is has gaps
  const gappy = JSON.stringify([{ identity: 'pod:a', status: 'running', pid: 10 }]);
  const one =
    '{\n  "identity": "pod:b",\n  "description": "B",\n  "status": "paused",\n  "pid": 11,\n  "restarts": 2\n}';
  let exec = fakeRunner({
    'initctl -j status': { stdout: gappy },
    'initctl -j status pod:b': { stdout: one },
    'initctl -j status pod:gone': { exitCode: 69, stderr: 'initctl: no such task or service(s): pod:gone' },
  });
  const got = await initctlFinit('initctl', exec).services('4.12', ['pod:a', 'pod:b', 'pod:gone', 'pod:b']);
  t.same(
    got,
    [
      { identity: 'pod:a', status: 'running', pid: 10 },
      { identity: 'pod:b', status: 'paused', pid: 11, restarts: 2 },
    ],
    'the one it lacked, asked for; one Finit does not know, absent',
  );
  t.same(
    exec.calls,
    ['initctl -j status', 'initctl -j status pod:b', 'initctl -j status pod:gone'],
    'each once',
  );

  // Finit 4.2: no -j; one service is the detail view, and one it does not know exits 255 silently
  exec = fakeRunner({
    'initctl -p -t status': { stdout: TABLE_42 },
    'initctl -b -p status pod:b': {
      stdout:
        '     Status : running\n   Identity : pod:b\nDescription : B\n        PID : 77\n   Restarts : 0 (0/10)\n',
    },
    'initctl -b -p status pod:gone': { exitCode: 255 },
  });
  const old = await initctlFinit('initctl', exec).services('4.2', ['pod:b', 'pod:gone']);
  t.same(old.at(-1), { identity: 'pod:b', status: 'running', pid: 77, restarts: 0 }, '4.2: the detail view');
  t.equal(old.length, 5, 'the table, and the one it lacked');

  // asking by name fails: a failure, not "not there"
  exec = fakeRunner({
    'initctl -j status': { stdout: gappy },
    'initctl -j status pod:b': { exitCode: 1, stderr: 'initctl: failed connecting to finit' },
  });
  await t.rejects(
    initctlFinit('initctl', exec).services('4.12', ['pod:b']),
    { message: 'initctl -j status pod:b failed: initctl: failed connecting to finit' },
    'a failed call by name throws',
  );
});

t.test('Finit restart(): initctl restart IDENT; a failure throws', async (t) => {
  let exec = fakeRunner({ 'initctl restart pod:web': {} });
  await initctlFinit('initctl', exec).restart('pod:web');
  t.same(exec.calls, ['initctl restart pod:web']);
  exec = fakeRunner({
    'initctl restart pod:web': { exitCode: 1, stderr: 'initctl: no such task or service(s): pod:web' },
  });
  await t.rejects(initctlFinit('initctl', exec).restart('pod:web'), {
    message: 'initctl restart pod:web failed: initctl: no such task or service(s): pod:web',
    exitCode: 1,
  });
});

t.test('Finit stop(), condClear(): the health actions; a failure throws', async (t) => {
  const exec = fakeRunner({ 'initctl stop pod:web': {}, 'initctl cond clear ready-pod-web': {} });
  const finit = initctlFinit('initctl', exec);
  await finit.stop('pod:web');
  await finit.condClear('ready-pod-web');
  t.same(exec.calls, ['initctl stop pod:web', 'initctl cond clear ready-pod-web']);
  const bad = fakeRunner({ 'initctl stop pod:web': { exitCode: 255 } });
  await t.rejects(initctlFinit('initctl', bad).stop('pod:web'), FinitError);
  const hung = fakeRunner({ 'initctl cond clear x': { exitCode: 124, timedOut: true } });
  await t.rejects(initctlFinit('initctl', hung).condClear('x'), { message: /timed out/ });
});

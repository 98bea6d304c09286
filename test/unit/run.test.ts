// src/apply/run.ts: programs run without a shell, with a timeout, and never throw; the one typed
// error the adapters throw for a failed call.

import t from 'tap';
import { CommandError, failureText, run } from '../../src/apply/run.js';

t.test('output and exit code', async (t) => {
  const r = await run('/bin/sh', ['-c', 'printf "a b\\n\\n"; echo oops >&2; exit 3']);
  t.same(r, { exitCode: 3, stdout: 'a b\n', stderr: 'oops', timedOut: false }, 'one final newline removed');
  const ok = await run('/bin/echo', ['$(touch /nonexistent)', ';', '*']);
  t.equal(ok.stdout, '$(touch /nonexistent) ; *', 'arguments reach the program as they are, no shell');
  t.equal(ok.exitCode, 0);
});

t.test('environment: inherited, plus PODMAN_IGNORE_CGROUPSV1_WARNING', async (t) => {
  process.env.FINIT_PODS_RUN_TEST = 'x y';
  const r = await run('/bin/sh', ['-c', 'echo "$FINIT_PODS_RUN_TEST/$PODMAN_IGNORE_CGROUPSV1_WARNING"']);
  t.equal(r.stdout, 'x y/1');
  delete process.env.FINIT_PODS_RUN_TEST;
});

t.test('a timeout ends the program: SIGTERM, then SIGKILL', async (t) => {
  const t0 = Date.now();
  const r = await run('/bin/sleep', ['10'], { timeoutMs: 200 });
  t.equal(r.timedOut, true);
  t.equal(r.exitCode, 124);
  t.ok(Date.now() - t0 < 2000, 'sleep ends at SIGTERM');
  const t1 = Date.now();
  const stubborn = await run('/bin/sh', ['-c', 'trap "" TERM; sleep 10 & wait; sleep 10'], {
    timeoutMs: 200,
  });
  t.equal(stubborn.timedOut, true);
  const took = Date.now() - t1;
  t.ok(took >= 2000 && took < 4000, `one that ignores SIGTERM is killed 2 s later (${took} ms)`);
});

t.test('a child left behind holding the output does not keep the call waiting', async (t) => {
  const t0 = Date.now();
  const r = await run('/bin/sh', ['-c', 'echo started; sleep 5 & exit 0']);
  t.equal(r.exitCode, 0);
  t.equal(r.stdout, 'started');
  t.ok(Date.now() - t0 < 2000, `returns when the program exits (${Date.now() - t0} ms)`);
});

t.test('a program that cannot be started: exit 127 with the reason', async (t) => {
  const r = await run('/nonexistent/podman', ['ps']);
  t.equal(r.exitCode, 127);
  t.equal(r.timedOut, false);
  t.match(r.stderr, /\/nonexistent\/podman: spawn \/nonexistent\/podman ENOENT/);
});

t.test('large output is collected whole', async (t) => {
  const r = await run('/bin/sh', ['-c', 'head -c 3000000 /dev/zero | tr "\\0" x']);
  t.equal(r.stdout.length, 3_000_000);
});

t.test('CommandError: command, exit code, stderr and timeout of a failed call', async (t) => {
  const r = await run('/bin/sh', ['-c', 'echo nope >&2; exit 125']);
  const e = new CommandError(`sh failed: ${failureText(r)}`, ['/bin/sh', '-c', 'x'], r);
  t.ok(e instanceof Error);
  t.match(e, { message: 'sh failed: nope', command: ['/bin/sh', '-c', 'x'], exitCode: 125, stderr: 'nope' });
  t.equal(e.timedOut, false);
  t.equal(e.name, 'CommandError');
  class SubError extends CommandError {}
  t.equal(new SubError('x', ['y'], r).name, 'SubError', "a subclass's name is its own");
  t.equal(
    failureText({ exitCode: 3, stdout: ' out ', stderr: '', timedOut: false }),
    'out',
    'no stderr: stdout',
  );
  t.equal(
    failureText({ exitCode: 3, stdout: '', stderr: '', timedOut: false }),
    'exit 3',
    'nothing said: the exit code',
  );
});

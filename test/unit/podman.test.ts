import t from 'tap';
import {
  imagePresent,
  isRunning,
  PodmanError,
  parsePs,
  podmanCli,
  RemovalError,
  removeWithRetry,
} from '../../src/apply/podman.js';
import { CommandError, type Runner, type RunResult } from '../../src/apply/run.js';
import { hex } from '../helpers/containers.js';

t.test('parsePs', async (t) => {
  t.same(parsePs(''), [], 'empty output');
  t.same(parsePs('null'), [], 'null');
  t.same(parsePs('[]'), [], 'empty array');
  const rows = parsePs(
    JSON.stringify([
      { Id: 'a1', Names: ['web'], State: 'running', Image: 'localhost/busybox:latest', Labels: { k: 'v' } },
      { Id: 'b2', Names: null, State: 'Created', Image: 'x', Labels: null },
      { ID: 'c3', Names: 'solo', State: 'exited' }, // docker-style fields
      { Id: 'd4', State: 'storage' },
    ]),
  );
  t.same(rows, [
    { id: 'a1', names: ['web'], state: 'running', image: 'localhost/busybox:latest', labels: { k: 'v' } },
    { id: 'b2', names: [], state: 'created', image: 'x', labels: {} },
    { id: 'c3', names: ['solo'], state: 'exited', image: '', labels: {} },
    { id: 'd4', names: [], state: 'storage', image: '', labels: {} },
  ]);
});

t.test('imagePresent', async (t) => {
  const ID = `9a332944108b${'c'.repeat(52)}`;
  const local = {
    names: new Set([
      'localhost/busybox:latest',
      'docker.io/library/alpine:3.20',
      'quay.io/team/app:1.2',
      'registry.lan:5000/tools/probe:latest',
      'localhost/finit-pods/archive-0123456789ab:latest',
      // RepoDigests, which the adapter adds to the names
      `localhost/busybox@sha256:${'e'.repeat(64)}`,
      `docker.io/library/alpine@sha256:${'a'.repeat(64)}`,
    ]),
    ids: new Set([ID]),
  };
  const yes = (ref: string, why: string) => t.ok(imagePresent(ref, local), `${ref}: present (${why})`);
  const no = (ref: string, why: string) => t.notOk(imagePresent(ref, local), `${ref}: missing (${why})`);

  yes('localhost/busybox:latest', 'full name');
  yes('localhost/busybox', ':latest by default');
  yes('busybox', 'short name, any registry');
  yes('busybox:latest', 'short name with tag');
  yes('alpine:3.20', 'short name of a docker.io image');
  yes('library/alpine:3.20', 'short repo path');
  yes('docker.io/library/alpine:3.20', 'full name');
  yes('registry.lan:5000/tools/probe', 'registry with a port, :latest by default');
  yes('localhost/finit-pods/archive-0123456789ab:latest', 'an archive tag');
  no('alpine', 'only 3.20 is there, not :latest');
  no('busybox:1.36', 'other tag');
  no('docker.io/library/busybox', 'qualified with another registry');
  no('quay.io/other/app:1.2', 'other repository');
  no('ghcr.io/team/app:1.2', 'same path, other registry');
  no('registry.lan:5000/tools/probe:2', 'other tag');
  yes(`localhost/busybox@sha256:${'e'.repeat(64)}`, 'by digest');
  yes(`localhost/busybox:latest@sha256:${'e'.repeat(64)}`, 'tag and digest: podman goes by the digest');
  yes(`alpine@sha256:${'a'.repeat(64)}`, 'short name by digest');
  yes(`alpine:edge@sha256:${'a'.repeat(64)}`, 'short name, tag and digest');
  no(`localhost/busybox@sha256:${'f'.repeat(64)}`, 'another digest');
  no(`quay.io/library/alpine@sha256:${'a'.repeat(64)}`, 'the digest under another registry');
  yes(ID, 'full ID');
  yes(ID.slice(0, 12), 'short ID');
  yes(`sha256:${ID}`, 'sha256: ID');
  no('0123456789ab', 'an unknown ID');
  no(`sha256:${'f'.repeat(64)}`, 'an unknown full ID');
});

t.test('podmanCli: the argv it runs and what it makes of the answers', async (t) => {
  const seen: string[][] = [];
  let answer: Partial<RunResult> = {};
  const exec: Runner = async (file, args) => {
    seen.push([file, ...args]);
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...answer };
  };
  const p = podmanCli('/usr/bin/podman', exec);

  answer = { stdout: JSON.stringify([{ Id: 'x', Names: ['web'], State: 'exited', Labels: null }]) };
  t.same(
    (await p.containers()).map((c) => c.names),
    [['web']],
  );
  await p.containers(true);
  t.same(seen.splice(0), [
    ['/usr/bin/podman', 'ps', '-a', '--format', 'json'],
    ['/usr/bin/podman', 'ps', '-a', '--external', '--format', 'json'],
  ]);

  answer = {};
  await p.remove([]);
  t.same(seen.splice(0), [], 'no IDs: nothing run');
  await p.remove(['a', 'b']);
  await p.remove(['g'], true);
  await p.stopAndRemove(['s'], 10);
  await p.stopAndRemove([], 10);
  t.same(seen.splice(0), [
    ['/usr/bin/podman', 'rm', '-f', '-t', '0', 'a', 'b'],
    ['/usr/bin/podman', 'rm', '--storage', 'g'],
    ['/usr/bin/podman', 'rm', '-f', '-t', '10', 's'],
  ]);
  answer = { exitCode: 125, stderr: 'Error: container state improper\n' };
  const e = await p.remove(['a']).then(
    () => undefined,
    (x: unknown) => x,
  );
  t.ok(e instanceof PodmanError && e instanceof CommandError, 'a failed call throws the typed error');
  t.match(
    e,
    {
      message: 'podman rm failed: Error: container state improper',
      command: ['/usr/bin/podman', 'rm', '-f', '-t', '0', 'a'],
      exitCode: 125,
      stderr: 'Error: container state improper\n',
      timedOut: false,
    },
    'with the command, exit code and stderr',
  );
  answer = { exitCode: 2, stderr: '', stdout: '' };
  await t.rejects(p.remove(['a']), { message: 'podman rm failed: exit 2' }, 'no text: the exit code');
  await t.rejects(p.stopAndRemove(['a'], 10), PodmanError, 'stopAndRemove too');

  seen.length = 0;
  answer = { stdout: 'podman\napp\n' };
  t.same([...(await p.networks())], ['podman', 'app'], 'networks: one name a line');
  t.same(seen.splice(0), [['/usr/bin/podman', 'network', 'ls', '--format', '{{.Name}}']]);
  answer = { exitCode: 125, stderr: 'Error: database is locked' };
  await t.rejects(
    p.networks(),
    { message: 'podman network ls failed: Error: database is locked', exitCode: 125 },
    'a failed network ls throws: it is not "no networks"',
  );

  seen.length = 0;
  const [ida, idb] = [hex(1), hex(2)];
  answer = { stdout: `${ida}\n${idb}` };
  t.same(await p.removeLabelled('k', 'v'), [ida, idb], 'removeLabelled: the IDs podman printed');
  t.same(seen.splice(0), [['/usr/bin/podman', 'rm', '-f', '-t', '0', '--filter', 'label=k=v']]);
  answer = { exitCode: 125, stdout: ida, stderr: 'Error: container state improper' };
  const partial = await p.removeLabelled('k', 'v').then(
    () => undefined,
    (x: unknown) => x,
  );
  t.ok(partial instanceof RemovalError, 'removeLabelled fails with a RemovalError');
  t.same((partial as RemovalError).removed, [ida], 'which carries what it removed all the same');
  answer = { timedOut: true, exitCode: 124, stdout: ida };
  t.match(
    await p.removeLabelled('k', 'v').catch((x: unknown) => x),
    { timedOut: true, removed: [ida] },
    'a timeout too',
  );

  answer = {
    stdout: JSON.stringify([
      { Id: 'i1', Names: ['localhost/busybox:latest'], RepoDigests: ['localhost/busybox@sha256:e1'] },
      { Id: 'i2', Names: null, RepoDigests: null },
    ]),
  };
  const imgs = await p.images();
  t.same([...imgs.names], ['localhost/busybox:latest', 'localhost/busybox@sha256:e1'], 'names and digests');
  t.same([...imgs.ids], ['i1', 'i2']);

  answer = { stdout: 'Loaded image: localhost/arch:1\n' };
  t.equal(await p.load('/x.tar'), 'localhost/arch:1');
  answer = { stdout: 'Loaded image(s): sha256:abc\n' };
  t.equal(await p.load('/x.tar'), 'sha256:abc');
  answer = { exitCode: 125, stderr: 'no such file' };
  await t.rejects(p.load('/x.tar'), /podman load -i \/x\.tar failed: no such file/);
  answer = { timedOut: true, exitCode: 124 };
  await t.rejects(p.containers(), { message: /timed out/, timedOut: true, exitCode: 124 });
  answer = { exitCode: 125, stderr: 'database is locked' };
  await t.rejects(p.containers(), /podman ps failed: database is locked/);
  answer = { stdout: 'Error: not JSON' };
  await t.rejects(p.containers(), PodmanError, 'output it cannot read is a failed call, not "no containers"');
  await t.rejects(p.images(), PodmanError, 'images too');
});

t.test('parsePs: StartedAt when podman gives one', async (t) => {
  const rows = parsePs(
    JSON.stringify([
      { Id: 'a', State: 'running', StartedAt: 1700000000 },
      { Id: 'b', StartedAt: 0 },
    ]),
  );
  t.equal(rows[0]?.startedAt, 1700000000);
  t.notOk('startedAt' in rows[1]!, 'never started: none');
});

t.test('isRunning: the states in which a container has a process', async (t) => {
  for (const s of ['running', 'paused', 'stopping']) t.ok(isRunning(s), s);
  for (const s of ['created', 'exited', 'stopped', 'configured', 'removing', 'unknown', ''])
    t.notOk(isRunning(s), s);
});

t.test('removeWithRetry: once more after a failure, never a third time, never after a timeout', async (t) => {
  const failure = (timedOut = false) =>
    new PodmanError(
      timedOut ? 'podman rm timed out after 120 s' : 'podman rm failed: Error: busy',
      ['podman', 'rm'],
      {
        exitCode: timedOut ? 124 : 125,
        stderr: timedOut ? '' : 'Error: busy',
        timedOut,
      },
    );
  const script = (...outcomes: (PodmanError | undefined)[]) => {
    let n = 0;
    return {
      calls: () => n,
      remove: async () => {
        const o = outcomes[n++];
        if (o) throw o;
      },
    };
  };
  let s = script(undefined);
  t.same(await removeWithRetry(s.remove), { calls: 1 }, 'success: one call');
  s = script(failure(), undefined);
  t.same(await removeWithRetry(s.remove), { calls: 2 }, 'the second succeeds: no error');
  s = script(failure(), failure(), undefined);
  const r = await removeWithRetry(s.remove);
  t.equal(r.calls, 2, 'two failures: two calls');
  t.equal(s.calls(), 2, 'never a third');
  t.match(r.error, { message: 'podman rm failed: Error: busy' }, 'the second failure');
  s = script(failure(true), undefined);
  t.match(
    await removeWithRetry(s.remove).catch((x: unknown) => x),
    { timedOut: true },
    'a timeout is thrown',
  );
  t.equal(s.calls(), 1, 'and not retried');
  await t.rejects(
    removeWithRetry(async () => {
      throw new TypeError('a bug');
    }),
    TypeError,
    'anything but a failed call is thrown',
  );
});

t.test('healthcheckRun: passed, failed, or a call that failed (never read as either)', async (t) => {
  const run = (r: Partial<RunResult>) => {
    const calls: { args: readonly string[]; timeoutMs?: number }[] = [];
    const exec: Runner = async (_file, args, opts) => {
      calls.push({ args, timeoutMs: opts?.timeoutMs });
      return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...r };
    };
    return { p: podmanCli('podman', exec), calls };
  };
  const ok = run({});
  t.same(await ok.p.healthcheckRun('web', 35_000), { status: 'healthy', output: '' });
  t.same(ok.calls, [{ args: ['healthcheck', 'run', 'web'], timeoutMs: 35_000 }]);
  t.same(await run({ exitCode: 1, stdout: 'unhealthy' }).p.healthcheckRun('web', 1000), {
    status: 'unhealthy',
    output: 'unhealthy',
  });
  t.same(await run({ exitCode: 1, stdout: 'starting' }).p.healthcheckRun('web', 1000), {
    status: 'unhealthy',
    output: 'starting',
  });
  await t.rejects(
    run({ exitCode: 125, stderr: 'Error: container abc is not running' }).p.healthcheckRun('web', 1000),
    { message: 'podman healthcheck run web failed: Error: container abc is not running', exitCode: 125 },
  );
  await t.rejects(
    run({ exitCode: 125, stderr: 'Error: container abc has no defined healthcheck' }).p.healthcheckRun(
      'web',
      1000,
    ),
    PodmanError,
  );
  await t.rejects(run({ exitCode: 124, timedOut: true }).p.healthcheckRun('web', 2000), {
    message: 'podman healthcheck run timed out after 2 s',
    timedOut: true,
  });
});

t.test('kill and stop end a container; a failure throws', async (t) => {
  const calls: string[] = [];
  const exec: Runner = async (_file, args) => {
    calls.push(args.join(' '));
    const bad = args.includes('gone');
    return {
      exitCode: bad ? 125 : 0,
      stdout: '',
      stderr: bad ? 'Error: no such container gone' : '',
      timedOut: false,
    };
  };
  const p = podmanCli('podman', exec);
  await p.kill('web');
  await p.stop('web', 7);
  t.same(calls, ['kill web', 'stop -t 7 web']);
  await t.rejects(p.kill('gone'), { message: 'podman kill gone failed: Error: no such container gone' });
  await t.rejects(p.stop('gone', 1), PodmanError);
});

t.test(
  "healthcheckRun: a failed check's own output, from podman's health log (Podman 4 and 5)",
  async (t) => {
    const run = (state: string, inspectExit = 0) => {
      const calls: string[] = [];
      const exec: Runner = async (_file, args) => {
        calls.push(args.join(' '));
        if (args[0] === 'healthcheck')
          return { exitCode: 1, stdout: 'unhealthy', stderr: '', timedOut: false };
        return { exitCode: inspectExit, stdout: state, stderr: '', timedOut: false };
      };
      return { p: podmanCli('podman', exec), calls };
    };
    const log = (key: string) =>
      JSON.stringify({
        [key]: { Status: 'unhealthy', Log: [{ Output: 'old' }, { Output: 'curl: (7) refused\n' }] },
      });
    for (const key of ['Health', 'Healthcheck']) {
      const r = run(log(key));
      t.same(
        await r.p.healthcheckRun('web', 1000),
        { status: 'unhealthy', output: 'curl: (7) refused' },
        key,
      );
      t.same(r.calls, ['healthcheck run web', 'inspect --format {{json .State}} web'], `${key}: one inspect`);
    }
    t.same(
      await run('', 125).p.healthcheckRun('web', 1000),
      { status: 'unhealthy', output: 'unhealthy' },
      'an inspect that failed leaves the result as podman said it',
    );
    const passed: string[] = [];
    const ok = podmanCli('podman', async (_f, args) => {
      passed.push(args.join(' '));
      return { exitCode: 0, stdout: '', stderr: '', timedOut: false };
    });
    await ok.healthcheckRun('web', 1000);
    t.same(passed, ['healthcheck run web'], 'a passed check costs one call');
  },
);

// Boot cleanup without a machine: what planCleanup decides for every kind of container
// (src/apply/cleanup.ts), how executeCleanup batches and retries against a fake Podman adapter,
// the podman adapter itself against a fake runner (src/apply/podman.ts: parsePs, imagePresent,
// argv, the typed error of a failed call, removeWithRetry), removeOwn (src/apply/boot-start.ts),
// and cleanup() from src/apply/boot.ts: a constant number of podman calls.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { bootRecovery, cleanup } from '../../src/apply/boot.js';
import { removeOwn, startOwnRemoval, takeOwnRemoval } from '../../src/apply/boot-start.js';
import { type CleanupPlan, executeCleanup, planCleanup } from '../../src/apply/cleanup.js';
import { condFromFiles } from '../../src/apply/finit.js';
import {
  type ContainerInfo,
  imagePresent,
  isRunning,
  type Podman,
  PodmanError,
  parsePs,
  podmanCli,
  RemovalError,
  removeWithRetry,
} from '../../src/apply/podman.js';
import { CommandError, type Runner, type RunResult } from '../../src/apply/run.js';
import type { Storage } from '../../src/apply/storage.js';
import type { SyncConfig } from '../../src/apply/sync.js';
import { LABEL_MANAGED, LABEL_POD, READY_CONDITION as READY } from '../../src/render/stanza.js';
import { tempConfig } from '../helpers/config.js';
import { fakeFinit } from '../helpers/fakes.js';

const hex = (n: number) => n.toString(16).padStart(64, '0');

function ctr(
  name: string,
  state: string,
  opts: { managed?: boolean; pod?: string; id?: string; names?: string[] } = {},
): ContainerInfo {
  const labels: Record<string, string> = {};
  if (opts.managed) {
    labels[LABEL_MANAGED] = 'true';
    labels[LABEL_POD] = opts.pod ?? name;
  }
  return {
    id: opts.id ?? hex(Buffer.from(name).reduce((a, b) => a * 31 + b, 7)),
    names: opts.names ?? [name],
    state,
    image: 'localhost/busybox:latest',
    labels,
  };
}

/** Container name → pod name, as boot recovery builds it from the units. */
const PODS = new Map([
  ['web', 'web'],
  ['notes', 'notes'],
  ['systemd-db', 'db'], // ContainerName= differs from the pod's name
]);

const names = (xs: { name: string }[]) => xs.map((x) => x.name).sort();

t.test('planCleanup', async (t) => {
  t.test('a managed container that is not running goes, whatever its name', async (t) => {
    for (const state of ['created', 'exited', 'stopped', 'configured']) {
      const plan = planCleanup([ctr('web', state, { managed: true })], [], PODS, false);
      t.same(names(plan.remove), ['web'], `${state}: removed`);
      t.match(plan.remove[0]?.reason, /^finit-pods container of pod web, /, `${state}: reason names the pod`);
      t.match(plan.remove[0]?.reason, state, `${state}: reason names the state`);
      t.same(plan.blocking, [], `${state}: nothing blocking`);
    }
    t.equal(
      planCleanup([ctr('web', 'exited', { managed: true })], [], PODS, true).remove[0]?.reason,
      'finit-pods container of pod web, exited from before the boot',
      'at boot: "from before the boot"',
    );
    t.equal(
      planCleanup([ctr('web', 'exited', { managed: true })], [], PODS, false).remove[0]?.reason,
      'finit-pods container of pod web, exited',
      'later (finit-pods cleanup): no claim about the boot',
    );
    // a pod that is no longer defined: its label names it
    const gone = planCleanup([ctr('old', 'exited', { managed: true, pod: 'old' })], [], PODS, false);
    t.same(names(gone.remove), ['old'], 'a managed container of a pod no longer defined goes too');
    t.match(gone.remove[0]?.reason, /pod old/);
  });

  t.test('a running managed container stays, except at boot (before any pod was started)', async (t) => {
    for (const state of ['running', 'paused', 'stopping']) {
      const live = planCleanup([ctr('web', state, { managed: true })], [], PODS, false);
      t.same(
        live,
        { remove: [], ghosts: [], blocking: [] },
        `${state}, not at boot: left alone, not blocking`,
      );
      const boot = planCleanup([ctr('web', state, { managed: true })], [], PODS, true);
      t.same(
        names(boot.remove),
        ['web'],
        `${state} at boot: a leftover podman still thinks is running, removed`,
      );
    }
  });

  t.test('a foreign container that is not running goes only when it holds a pod name', async (t) => {
    for (const state of ['created', 'exited']) {
      const plan = planCleanup(
        [ctr('web', state), ctr('systemd-db', state), ctr('loner', state)],
        [],
        PODS,
        true,
      );
      t.same(names(plan.remove), ['systemd-db', 'web'], `${state}: the two holding pod names`);
      const web = plan.remove.find((r) => r.name === 'web');
      t.equal(web?.reason, `${state} container holds the name of pod web`, 'reason: state and pod');
      const db = plan.remove.find((r) => r.name === 'systemd-db');
      t.equal(
        db?.reason,
        `${state} container holds the name of pod db`,
        'reason names the pod, not the container',
      );
      t.same(plan.blocking, [], 'nothing blocking');
    }
  });

  t.test('a running foreign container is never removed: blocking when it holds a pod name', async (t) => {
    for (const atBoot of [false, true]) {
      const plan = planCleanup([ctr('web', 'running'), ctr('bystander', 'running')], [], PODS, atBoot);
      t.same(plan.remove, [], `atBoot=${atBoot}: nothing removed`);
      t.same(names(plan.blocking), ['web'], `atBoot=${atBoot}: the one holding a pod name is reported`);
      t.match(plan.blocking[0]?.reason, /not started by finit-pods holds the name of pod web; left alone/);
      t.equal(plan.blocking[0]?.state, 'running');
    }
  });

  t.test('storage-only (ghost) containers from --external', async (t) => {
    const known = [ctr('notes', 'created', { managed: true })];
    const ghost = ctr('web', 'storage', { id: hex(1) });
    const ghostOther = ctr('buildah-working', 'storage', { id: hex(2) });
    // `ps -a --external` lists the known containers too: they are not ghosts
    const plan = planCleanup(known, [...known, ghost, ghostOther], PODS, true);
    t.same(names(plan.remove), ['notes'], 'the known one is planned as a normal removal');
    t.same(
      plan.ghosts.map((g) => [g.id, g.name, g.state]),
      [[hex(1), 'web', 'storage']],
      'only the ghost holding a pod name',
    );
    t.equal(plan.ghosts[0]?.reason, 'storage-only container holds the name of pod web');
    const noState = planCleanup([], [{ ...ghost, state: '' }], PODS, true);
    t.equal(noState.ghosts[0]?.state, 'storage', 'an empty state reads as storage');
  });

  t.test('names: any of a container’s names counts; a nameless one is shown by its short ID', async (t) => {
    const plan = planCleanup([ctr('x', 'exited', { names: ['alias', 'notes'] })], [], PODS, false);
    t.same(
      plan.remove.map((r) => r.reason),
      ['exited container holds the name of pod notes'],
    );
    const anon = planCleanup(
      [ctr('', 'exited', { names: [], managed: true, id: hex(255) })],
      [],
      PODS,
      false,
    );
    t.equal(anon.remove[0]?.name, hex(255).slice(0, 12));
  });

  t.test('a realistic boot: everything at once', async (t) => {
    const containers = [
      ctr('web', 'created', { managed: true }),
      ctr('notes', 'exited', { managed: true }),
      ctr('systemd-db', 'created'), // made by hand, holds pod db's container name
      ctr('loner', 'created'),
      ctr('bystander', 'running'),
    ];
    const plan = planCleanup(containers, containers, PODS, true);
    t.same(names(plan.remove), ['notes', 'systemd-db', 'web']);
    t.same(plan.ghosts, []);
    t.same(plan.blocking, []);
  });
});

/** A fake Podman adapter: records every call; `failRemoves` makes the first N remove calls fail. */
function fakePodman(initial: ContainerInfo[], failRemoves = 0) {
  const calls: { op: string; ids?: string[]; storage?: boolean }[] = [];
  let present = [...initial];
  let failures = failRemoves;
  const podman: Podman = {
    async containers(external) {
      calls.push({ op: external ? 'ps --external' : 'ps' });
      return present;
    },
    async remove(ids, storage = false) {
      calls.push({ op: 'rm', ids: [...ids], storage });
      if (failures > 0) {
        failures--;
        // podman removes what it can and fails on the rest: the first one stays
        present = present.filter((c) => c.id === ids[0] || !ids.includes(c.id));
        const stderr = `Error: cannot remove container ${ids[0]} as it could not be stopped: timed out waiting for file /run/libpod/exits/${ids[0]}`;
        throw new PodmanError(`podman rm failed: ${stderr}`, ['podman', 'rm', '-f', '-t', '0', ...ids], {
          exitCode: 125,
          stderr,
          timedOut: false,
        });
      }
      present = present.filter((c) => !ids.includes(c.id));
    },
    async stopAndRemove(ids) {
      calls.push({ op: 'rm -t', ids: [...ids] });
      present = present.filter((c) => !ids.includes(c.id));
    },
    async networks() {
      calls.push({ op: 'network ls' });
      return new Set();
    },
    async images() {
      calls.push({ op: 'images' });
      return { names: new Set(), ids: new Set() };
    },
    async load() {
      calls.push({ op: 'load' });
      return '';
    },
    async tag() {
      calls.push({ op: 'tag' });
    },
    async removeLabelled(key, value) {
      calls.push({ op: 'rm --filter label' });
      const ids = present.filter((c) => c.labels[key] === value).map((c) => c.id);
      present = present.filter((c) => !ids.includes(c.id));
      return ids;
    },
    async removedSince() {
      calls.push({ op: 'events' });
      return new Map();
    },
  };
  return { podman, calls, present: () => present };
}

/** n units p0 … p{n-1} running busybox. */
const sleepers = (n: number, text = '[Container]\nImage=localhost/busybox:latest\n') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}.container`, text]));

const lingering = (n: number) =>
  Array.from({ length: n }, (_, i) => ctr(`p${i}`, 'created', { managed: true, id: hex(1000 + i) }));

const planFor = (cs: ContainerInfo[], ghosts: ContainerInfo[] = []): CleanupPlan =>
  planCleanup(cs, [...cs, ...ghosts], new Map(ghosts.map((g) => [g.names[0]!, g.names[0]!])), true);

t.test('executeCleanup', async (t) => {
  t.test('nothing to do: no podman call', async (t) => {
    const f = fakePodman([]);
    const r = await executeCleanup(f.podman, planFor([]));
    t.equal(r.calls, 0);
    t.same(f.calls, []);
    t.same(r.errors, []);
  });

  t.test('batched: one rm for 1 container and one rm for 50', async (t) => {
    const counts: number[] = [];
    for (const n of [1, 5, 50]) {
      const cs = lingering(n);
      const f = fakePodman(cs);
      const r = await executeCleanup(f.podman, planFor(cs));
      t.same(r.errors, [], `${n}: no errors`);
      const rms = f.calls.filter((c) => c.op === 'rm');
      t.equal(rms.length, 1, `${n}: one rm call`);
      t.same(
        rms[0]?.ids,
        cs.map((c) => c.id),
        `${n}: with every ID`,
      );
      t.equal(rms[0]?.storage, false, `${n}: rm -f, not --storage`);
      t.equal(r.calls, f.calls.length, `${n}: calls counts every podman call`);
      t.same(f.present(), [], `${n}: all gone`);
      counts.push(r.calls);
    }
    t.same(counts, [1, 1, 1], 'constant in the number of containers');
  });

  t.test('ghosts: one rm --storage for all of them', async (t) => {
    const ghosts = Array.from({ length: 20 }, (_, i) => ctr(`g${i}`, 'storage', { id: hex(5000 + i) }));
    const cs = lingering(3);
    const f = fakePodman([...cs, ...ghosts]);
    const r = await executeCleanup(f.podman, planFor(cs, ghosts));
    const rms = f.calls.filter((c) => c.op === 'rm');
    t.same(
      rms.map((c) => [c.storage, c.ids?.length]),
      [
        [false, 3],
        [true, 20],
      ],
      'one rm -f for the containers, one rm --storage for the ghosts',
    );
    t.equal(r.calls, 2);
    t.same(r.errors, []);
  });

  t.test('the first rm -f after a crash fails: retried once, and only once', async (t) => {
    for (const n of [1, 50]) {
      const cs = lingering(n);
      const f = fakePodman(cs, 1);
      const r = await executeCleanup(f.podman, planFor(cs));
      const rms = f.calls.filter((c) => c.op === 'rm');
      t.equal(rms.length, 2, `${n}: two rm calls`);
      t.ok(rms[1]?.ids?.includes(cs[0]!.id), `${n}: the retry includes the one that failed`);
      t.same(r.errors, [], `${n}: the retry succeeded: no errors`);
      t.same(f.present(), [], `${n}: all gone`);
      t.equal(r.calls, f.calls.length, `${n}: calls counts every podman call`);
      t.ok(r.calls <= 3, `${n}: at most 3 podman calls (${r.calls})`);
    }
    const counts = await Promise.all(
      [1, 50].map(async (n) => {
        const cs = lingering(n);
        return (await executeCleanup(fakePodman(cs, 1).podman, planFor(cs))).calls;
      }),
    );
    t.equal(counts[0], counts[1], 'constant with a retry too');

    const cs = lingering(4);
    const f = fakePodman(cs, 5); // every rm fails
    const r = await executeCleanup(f.podman, planFor(cs));
    t.equal(f.calls.filter((c) => c.op === 'rm').length, 2, 'never a third rm');
    t.equal(r.errors.length, 1, 'the second failure is reported');
    t.match(r.errors[0], /could not be stopped/);
  });
});

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

t.test('removeOwn: by label, once more on failure, with what a failed call removed', async (t) => {
  const [a, b] = [hex(1), hex(2)];
  const answers: Partial<RunResult>[] = [
    { exitCode: 125, stdout: a, stderr: 'Error: container state improper' },
    { stdout: b },
  ];
  const seen: string[] = [];
  const exec: Runner = async (_file, args) => {
    seen.push(args.join(' '));
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...answers.shift() };
  };
  t.same(await removeOwn(podmanCli('/usr/bin/podman', exec)), { ids: [a, b], errors: [], calls: 2 });
  t.same(seen, Array(2).fill(`rm -f -t 0 --filter label=${LABEL_MANAGED}=true`));
  answers.push({ exitCode: 125, stderr: 'Error: one' }, { exitCode: 125, stderr: 'Error: two' });
  t.same(
    await removeOwn(podmanCli('/usr/bin/podman', exec)),
    { ids: [], errors: ['podman rm failed: Error: two'], calls: 2 },
    'the second failure is reported',
  );
});

/**
 * A fake `podman` behind a Runner: lists `state`, removes what rm names (or, with `--filter
 * label=K=V`, what carries that label, printing the IDs), and gives the removals as events.
 * `failFirstRm`: the first rm fails after removing all but the first container; `psFailsOnce`:
 * the first listing fails.
 */
function fakeRunner(state: ContainerInfo[], opts: { failFirstRm?: boolean; psFailsOnce?: boolean } = {}) {
  const calls: string[][] = [];
  let present = [...state];
  const removed: ContainerInfo[] = [];
  let fail = opts.failFirstRm ?? false;
  let psFail = opts.psFailsOnce ?? false;

  const toJson = (cs: ContainerInfo[]) =>
    JSON.stringify(cs.map((c) => ({ Id: c.id, Names: c.names, State: c.state, Labels: c.labels })));
  const exec: Runner = async (_file, args) => {
    calls.push([...args]);
    const ok = { exitCode: 0, stdout: '', stderr: '', timedOut: false };
    if (args[0] === 'ps') {
      if (psFail) {
        psFail = false;
        return {
          ...ok,
          exitCode: 125,
          stderr: `Error: determining buildah container for container ${hex(1)}: container not known`,
        };
      }
      const ext = args.includes('--external');
      return { ...ok, stdout: toJson(ext ? present : present.filter((c) => c.state !== 'storage')) };
    }
    if (args[0] === 'images') {
      return { ...ok, stdout: JSON.stringify([{ Id: hex(9), Names: ['localhost/busybox:latest'] }]) };
    }
    if (args[0] === 'events') {
      const lines = removed.map((c) =>
        JSON.stringify({
          ID: c.id,
          Name: c.names[0],
          Status: 'remove',
          Type: 'container',
          Attributes: c.labels,
        }),
      );
      return { ...ok, stdout: lines.join('\n') };
    }
    if (args[0] === 'rm') {
      const filter = args[args.indexOf('--filter') + 1]?.match(/^label=([^=]+)=(.*)$/);
      const ids = filter
        ? present.filter((c) => c.labels[filter[1]!] === filter[2]).map((c) => c.id)
        : args.filter((a) => /^[0-9a-f]{64}$/.test(a));
      let gone = ids;
      let res = ok;
      if (fail) {
        fail = false;
        gone = ids.slice(1);
        res = { ...ok, exitCode: 125, stderr: 'Error: container state improper' };
      }
      removed.push(...present.filter((c) => gone.includes(c.id)));
      present = present.filter((c) => !gone.includes(c.id));
      return { ...res, stdout: gone.join('\n') };
    }
    return { ...ok, exitCode: 125, stderr: `unexpected podman ${args.join(' ')}` };
  };
  // containers/storage's records of the same containers (apply/storage.ts), read by the test's
  // own count, as the files would be
  const reads = { containers: 0, images: 0 };
  const storage: Storage = {
    root: '/fake/storage',
    containers() {
      reads.containers++;
      return present.map((c) => ({ id: c.id, names: c.names }));
    },
    images() {
      reads.images++;
      return { names: new Set(['localhost/busybox:latest']), ids: new Set([hex(9)]) };
    },
  };
  return { exec, calls, present: () => present, storage, reads };
}

t.test('cleanup(): a constant number of podman calls, whatever the number of containers', async (t) => {
  const cfg: SyncConfig = {
    unitsDir: '/nonexistent',
    stanzaDir: '/nonexistent',
    runDir: '/nonexistent',
    cniDir: '/nonexistent',
    podman: '/usr/bin/podman',
  };
  const pods = (n: number) => new Map(Array.from({ length: n }, (_, i) => [`p${i}`, `p${i}`]));
  const byCount = new Map<number, number>();
  for (const n of [5, 50]) {
    const f = fakeRunner([...lingering(n), ctr('bystander', 'running')]);
    const r = await cleanup(cfg, f.exec, pods(n), { atBoot: true });
    t.equal(r.plan.remove.length, n, `${n}: all lingering ones planned`);
    t.same(r.errors, [], `${n}: no errors`);
    t.same(
      f.present().map((c) => c.names[0]),
      ['bystander'],
      `${n}: only the unrelated running one is left`,
    );
    t.equal(r.calls, f.calls.length, `${n}: calls counts every podman invocation (${r.calls})`);
    t.same(
      f.calls.map((c) => c.slice(0, 3).join(' ')),
      ['ps -a --external', 'rm -f -t'],
      `${n}: one listing (with --external), one rm`,
    );
    byCount.set(n, r.calls);
  }

  // ghosts come from the same single listing
  const ghosts = [ctr('p1', 'storage', { id: hex(7001) }), ctr('other', 'storage', { id: hex(7002) })];
  const g = fakeRunner([...lingering(2), ...ghosts]);
  const gr = await cleanup(cfg, g.exec, pods(2), { atBoot: true });
  t.same(
    gr.plan.ghosts.map((x) => x.id),
    [hex(7001)],
    'the storage-only container holding a pod name is a ghost',
  );
  t.same(
    g.calls.map((c) => c.slice(0, 2).join(' ')),
    ['ps -a', 'rm -f', 'rm --storage'],
    'one listing, then rm -f and rm --storage',
  );
  t.same(
    g.present().map((c) => c.names[0]),
    ['other'],
    'the unrelated storage-only container stays',
  );
  t.equal(byCount.get(5), byCount.get(50), 'the same number of calls for 5 and 50');

  const withRetry = await Promise.all(
    [5, 50].map(async (n) => {
      const f = fakeRunner(lingering(n), { failFirstRm: true });
      const r = await cleanup(cfg, f.exec, pods(n), { atBoot: true });
      t.same(r.errors, [], `${n}, first rm fails: retried, no errors`);
      t.same(f.present(), [], `${n}, first rm fails: all gone after the retry`);
      t.equal(r.calls, f.calls.length, `${n}, first rm fails: calls counts every invocation`);
      return r.calls;
    }),
  );
  t.equal(withRetry[0], withRetry[1], 'with a retry: the same number of calls for 5 and 50');

  const f = fakeRunner(lingering(3));
  const dry = await cleanup(cfg, f.exec, pods(3), { dryRun: true });
  t.equal(dry.dryRun, true);
  t.equal(dry.plan.remove.length, 3, 'dry run: planned');
  t.same(
    f.calls.filter((c) => c[0] !== 'ps'),
    [],
    'dry run: nothing but ps',
  );
  t.equal(f.present().length, 3, 'dry run: nothing removed');
});

t.test('bootRecovery without a machine: stanzas, then cleanup, then the condition', async (t) => {
  const events: string[] = [];
  const calls = new Map<number, number>();
  for (const n of [5, 50]) {
    const cfg = tempConfig(t, {
      ...sleepers(n, '[Container]\nImage=localhost/busybox:latest\nExec=sleep 1\n'),
      'nomg.container': '[Container]\nImage=localhost/nope:1\nExec=sleep 1\n',
    });
    // a power cut's leftovers: every pod's container Created, a hand-made one holding nomg's
    // name, and an unrelated running one
    const f = fakeRunner([...lingering(n), ctr('nomg', 'created'), ctr('bystander', 'running')]);
    const exec: Runner = async (file, args, o) => {
      events.push(`podman ${args[0]}`);
      return f.exec(file, args, o);
    };
    events.length = 0;
    const r = await bootRecovery(cfg, { finit: fakeFinit({ calls: events }), exec });

    t.equal(r.cleanup.plan.remove.length, n + 1, `${n}: every leftover and the hand-made one planned`);
    t.same(
      f.present().map((c) => c.names[0]),
      ['bystander'],
      `${n}: only the unrelated running one left`,
    );
    const nomg = r.sync.units.find((u) => u.pod === 'nomg');
    t.equal(nomg?.state, 'image-missing', `${n}: the pod without its image: image-missing`);
    t.notOk(existsSync(join(cfg.stanzaDir, 'pod-nomg.conf')), `${n}: and no stanza`);
    t.equal(
      readdirSync(cfg.stanzaDir).filter((x) => x.endsWith('.conf')).length,
      n,
      `${n}: a stanza for every other pod`,
    );
    t.ok(existsSync(join(cfg.runDir, 'booted')), `${n}: the boot marker is written`);
    t.equal(r.sync.readySet, true, `${n}: readySet`);
    t.equal(
      events.filter((e) => e !== 'podman events').at(-1),
      `cond set ${READY}`,
      `${n}: the condition comes last (only the event log, for the names, is read after it)`,
    );
    t.equal(events.filter((e) => e.startsWith('cond set')).length, 1, `${n}: set once`);
    t.ok(events.includes('reload'), `${n}: the stanzas were reloaded before it`);
    t.equal(r.podmanCalls, f.calls.length, `${n}: podmanCalls counts every podman invocation`);
    t.same(
      f.calls.map((c) => c[0]).sort(),
      ['events', 'images', 'ps', 'rm', 'rm'],
      `${n}: rm of finit-pods' own leftovers by label (first), images (checked once for all pods), one listing, rm of the foreign holder (after the sync), the event log (names of what the listing did not see)`,
    );
    calls.set(n, r.podmanCalls);
  }
  t.equal(calls.get(5), calls.get(50), `the same number of podman calls for 5 and 50 pods (${calls.get(5)})`);

  // the usual boot: only finit-pods' own leftovers, one rm
  const cfg = tempConfig(t, sleepers(3));
  const f = fakeRunner(lingering(3));
  const r = await bootRecovery(cfg, { finit: fakeFinit(), exec: f.exec });
  t.same(
    f.calls.map((c) => c[0]),
    ['rm', 'images', 'ps', 'events'],
    'own leftovers only: one rm, first; then images (for the sync) and the listing; the event log last',
  );
  t.equal(r.podmanCalls, 4);
  t.same(f.present(), [], 'all gone');
  t.same(r.cleanup.plan.remove.map((x) => x.name).sort(), ['p0', 'p1', 'p2'], 'the report lists them all');
  t.same(
    r.cleanup.plan.remove.map((x) => x.reason),
    ['p0', 'p1', 'p2'].map((p) => `finit-pods container of pod ${p}, from before the boot`),
    'with their pods, from the event log',
  );
  t.same(
    f.calls.find((c) => c[0] === 'rm'),
    ['rm', '-f', '-t', '0', '--filter', `label=${LABEL_MANAGED}=true`],
    'by label, not by a list of IDs',
  );
});

t.test('bootRecovery: the removal by label waits for nothing podman says', async (t) => {
  const setup = (n: number) => tempConfig(t, sleepers(n));

  t.test(
    'the listing answers after the removal: names from the event log, after the condition',
    async (t) => {
      const calls = new Map<number, number>();
      for (const n of [5, 50]) {
        const cfg = setup(n);
        const order: string[] = [];
        const f = fakeRunner([...lingering(n), ctr('p1', 'storage', { id: hex(7001) })]);
        const exec: Runner = async (file, args, o) => {
          const r = await f.exec(file, args, o);
          order.push(`podman ${args[0]}`);
          return r;
        };
        const r = await bootRecovery(cfg, { finit: fakeFinit({ calls: order }), exec });
        t.same(f.present(), [], `${n}: every leftover removed; the ghost of p1 too`);
        t.same(r.cleanup.errors, [], `${n}: no errors`);
        t.equal(r.cleanup.plan.remove.length, n, `${n}: each in the report`);
        t.same(
          r.cleanup.plan.remove.map((x) => [x.name, x.reason]).slice(0, 2),
          [
            ['p0', 'finit-pods container of pod p0, from before the boot'],
            ['p1', 'finit-pods container of pod p1, from before the boot'],
          ],
          `${n}: names and pods from the event log`,
        );
        t.same(
          order.slice(order.indexOf(`cond set ${READY}`)),
          [`cond set ${READY}`, 'podman events'],
          `${n}: the event log is read after the condition is set`,
        );
        t.same(
          f.calls.map((c) => c[0]).sort(),
          ['events', 'images', 'ps', 'rm', 'rm'],
          `${n}: rm by label, listing, images, rm --storage of the ghost, events`,
        );
        t.equal(r.podmanCalls, f.calls.length, `${n}: podmanCalls counts them all`);
        t.equal(r.removal, 'in-recovery', `${n}: nothing started it earlier`);
        t.equal(r.cleanup.calls, 4, `${n}: the cleanup's calls (all but images)`);
        calls.set(n, r.podmanCalls);
      }
      t.equal(calls.get(5), calls.get(50), 'the same number of podman calls for 5 and 50 pods');
    },
  );

  t.test('every other podman call waits for the removal', async (t) => {
    const cfg = setup(3);
    writeFileSync(join(cfg.unitsDir, 'app.network'), '[Network]\n');
    const f = fakeRunner(lingering(3));
    let inRm = false;
    const overlapped: string[] = [];
    const exec: Runner = async (file, args, o) => {
      if (inRm) overlapped.push(args[0]!);
      if (args[0] === 'rm') {
        inRm = true;
        await new Promise((r) => setTimeout(r, 50));
        const res = await f.exec(file, args, o);
        inRm = false;
        return res;
      }
      if (args[0] === 'network') return { exitCode: 0, stdout: '', stderr: '', timedOut: false };
      return f.exec(file, args, o);
    };
    const r = await bootRecovery(cfg, { finit: fakeFinit(), exec });
    t.same(overlapped, [], 'no podman call while the removal runs');
    t.same(f.present(), [], 'all gone');
    t.equal(
      r.sync.units.find((u) => u.kind === 'network')?.state,
      'applied',
      'the network was created after it',
    );
  });

  t.test('the listing fails: boot recovery fails, the condition stays unset', async (t) => {
    const cfg = setup(1);
    const set: string[] = [];
    const f = fakeRunner(lingering(1), { psFailsOnce: true });
    await t.rejects(
      bootRecovery(cfg, { finit: fakeFinit({ calls: set }), exec: f.exec }),
      /podman ps failed/,
    );
    t.same(
      set.filter((c) => c.startsWith('cond set')),
      [],
      'not set',
    );
    t.notOk(existsSync(join(cfg.runDir, 'booted')), 'no boot marker: the next attempt does it all again');
  });

  t.test('the first rm by label fails: repeated once', async (t) => {
    for (const n of [1, 50]) {
      const cfg = setup(n);
      const f = fakeRunner(lingering(n), { failFirstRm: true });
      const r = await bootRecovery(cfg, { finit: fakeFinit(), exec: f.exec });
      t.same(f.present(), [], `${n}: all gone`);
      t.same(r.cleanup.errors, [], `${n}: no errors left`);
      t.same(
        f.calls.filter((c) => c[0] === 'rm').map((c) => c.slice(4).join(' ')),
        [`--filter label=${LABEL_MANAGED}=true`, `--filter label=${LABEL_MANAGED}=true`],
        `${n}: the same removal twice`,
      );
      t.equal(r.cleanup.plan.remove.length, n, `${n}: each in the report`);
    }
  });

  t.test('pods already started this boot (condition set): running ones stay, no rm by label', async (t) => {
    const cfg = setup(2);
    const f = fakeRunner([
      ctr('p0', 'running', { managed: true, id: hex(1) }),
      ctr('p1', 'exited', { managed: true, id: hex(2) }),
    ]);
    const r = await bootRecovery(cfg, { finit: fakeFinit({ ready: true }), exec: f.exec });
    t.equal(r.removal, 'none', 'no removal by label');
    t.same(
      f.present().map((c) => c.names[0]),
      ['p0'],
      'the running one stays',
    );
    t.same(
      r.cleanup.plan.remove.map((x) => x.name),
      ['p1'],
      'the exited one goes',
    );
    t.notOk(
      f.calls.some((c) => c.includes('--filter')),
      'by ID from the listing',
    );
    t.equal(r.sync.readySet, false, 'the condition was set already');
  });
});

t.test('bootRecovery with storage records: podman is asked only what they cannot answer', async (t) => {
  const setup = (n: number) => tempConfig(t, sleepers(n));

  t.test('only finit-pods leftovers: one podman call before the condition, whatever N', async (t) => {
    const calls = new Map<number, number>();
    for (const n of [5, 50]) {
      const cfg = setup(n);
      const order: string[] = [];
      const f = fakeRunner([...lingering(n), ctr('bystander', 'running')]);
      const exec: Runner = async (file, args, o) => {
        order.push(`podman ${args[0]}`);
        return f.exec(file, args, o);
      };
      const r = await bootRecovery(cfg, { finit: fakeFinit({ calls: order }), exec, storage: f.storage });
      t.same(
        f.present().map((c) => c.names[0]),
        ['bystander'],
        `${n}: the leftovers are gone, the unrelated running one stays`,
      );
      t.same(
        order.slice(0, order.indexOf(`cond set ${READY}`)).filter((c) => c.startsWith('podman')),
        ['podman rm'],
        `${n}: before the condition, only the removal by label`,
      );
      t.same(f.reads, { containers: 1, images: 1 }, `${n}: storage read once for each question`);
      t.equal(r.listing, 'storage', `${n}: listing from storage`);
      t.equal(r.images, 'storage', `${n}: images from storage`);
      t.equal(r.cleanup.plan.remove.length, n, `${n}: each removal in the report`);
      t.equal(r.podmanCalls, f.calls.length, `${n}: podmanCalls counts them all`);
      calls.set(n, r.podmanCalls);
    }
    t.equal(calls.get(5), calls.get(50), 'the same number of podman calls for 5 and 50 pods');
  });

  t.test('a container storage shows holding a pod name: podman lists, the holder goes', async (t) => {
    const cfg = setup(3);
    // the podman-service case: made by hand with pod p1's name; and a ghost with p2's
    const hand = ctr('p1', 'created', { id: hex(8001) });
    const ghost = ctr('p2', 'storage', { id: hex(8002) });
    const f = fakeRunner([
      ...lingering(3).filter((c) => c.names[0] === 'p0'),
      hand,
      ghost,
      ctr('bystander', 'running'),
    ]);
    const r = await bootRecovery(cfg, { finit: fakeFinit(), exec: f.exec, storage: f.storage });
    t.equal(r.listing, 'podman', 'podman listed');
    t.same(
      f.present().map((c) => c.names[0]),
      ['bystander'],
      'the hand-made holder and the ghost went with the leftover',
    );
    t.ok(
      r.cleanup.plan.remove.some((x) => x.id === hand.id && /holds the name of pod p1/.test(x.reason)),
      'the hand-made one, with its reason',
    );
    t.ok(
      r.cleanup.plan.ghosts.some((x) => x.id === ghost.id),
      'the ghost, removed from storage',
    );
    t.notOk(
      f.calls.some((c) => c[0] === 'images'),
      'images still from storage',
    );
  });

  t.test('the removal by label fails once: retried, then storage answers', async (t) => {
    const cfg = setup(2);
    const f = fakeRunner(lingering(2), { failFirstRm: true });
    const r = await bootRecovery(cfg, { finit: fakeFinit(), exec: f.exec, storage: f.storage });
    t.equal(r.listing, 'storage');
    t.same(f.present(), [], 'all gone after the retry');
  });

  t.test('the removal by label fails for good: podman lists what is left', async (t) => {
    const cfg = setup(2);
    const f = fakeRunner(lingering(2));
    const exec: Runner = async (file, args, o) =>
      args[0] === 'rm' && args.includes('--filter')
        ? { exitCode: 125, stdout: '', stderr: 'Error: container state improper', timedOut: false }
        : f.exec(file, args, o);
    const r = await bootRecovery(cfg, { finit: fakeFinit(), exec, storage: f.storage });
    t.equal(r.listing, 'podman', 'listed by podman: storage cannot say why podman failed');
    t.ok(
      f.calls.some((c) => c[0] === 'ps'),
      'ps was called',
    );
    t.match(r.cleanup.errors.join('\n'), /container state improper/, 'the failure is reported');
  });

  t.test('storage cannot answer: podman is asked', async (t) => {
    const cfg = setup(2);
    const f = fakeRunner(lingering(2));
    const none: Storage = { root: '/x', containers: () => undefined, images: () => undefined };
    const r = await bootRecovery(cfg, { finit: fakeFinit(), exec: f.exec, storage: none });
    t.equal(r.listing, 'podman');
    t.equal(r.images, 'podman');
    t.same(
      f.calls.map((c) => c[0]),
      ['rm', 'images', 'ps', 'events'],
      'the removal first; images and the listing after it',
    );
  });

  t.test('pods already started this boot: podman lists (it knows what runs)', async (t) => {
    const cfg = setup(1);
    const f = fakeRunner([ctr('p0', 'exited', { managed: true, id: hex(3) })]);
    const r = await bootRecovery(cfg, {
      finit: fakeFinit({ ready: true }),
      exec: f.exec,
      storage: f.storage,
    });
    t.equal(r.listing, 'podman');
    t.equal(f.reads.containers, 0, 'storage not read for containers');
    t.same(f.present(), [], 'the exited one goes');
  });
});

t.test('the daemon starts the removal by label before it has loaded the rest (boot-start.ts)', async (t) => {
  const condDir = (set: boolean) =>
    t.testdir({ usr: set ? { [READY]: t.fixture('symlink', '/dev/null') } : {} });

  t.test('first run since boot, condition unset: started, then taken over by bootRecovery', async (t) => {
    const cfg = tempConfig(t, sleepers(3));
    const f = fakeRunner(lingering(3));
    startOwnRemoval(cfg, { exec: f.exec, condDir: condDir(false) });
    t.same(f.calls[0], ['rm', '-f', '-t', '0', '--filter', `label=${LABEL_MANAGED}=true`], 'under way');
    const sets: string[] = [];
    // bootRecovery gets a runner that fails every rm: the removal it awaits is the one started
    const exec: Runner = (file, args, o) =>
      args[0] === 'rm' && args.includes(`label=${LABEL_MANAGED}=true`)
        ? Promise.resolve({ exitCode: 1, stdout: '', stderr: 'not this one', timedOut: false })
        : f.exec(file, args, o);
    const r = await bootRecovery(cfg, { finit: fakeFinit({ calls: sets }), exec });
    t.same(f.present(), [], 'all gone');
    t.same(r.cleanup.errors, [], 'no errors');
    t.equal(r.cleanup.plan.remove.length, 3, 'each in the report');
    t.equal(f.calls.filter((c) => c[0] === 'rm').length, 1, 'one rm by label, not two');
    t.equal(r.podmanCalls, f.calls.length, 'podmanCalls counts the early call too');
    t.equal(r.removal, 'at-start', 'the report says where the removal started');
    t.same(
      sets.filter((c) => c.startsWith('cond set')),
      [`cond set ${READY}`],
      'the condition set',
    );
    t.equal(takeOwnRemoval(cfg.podman), undefined, 'handed over once');
  });

  t.test('nothing starts when pods may already run or when no one can tell', async (t) => {
    for (const [why, dir] of [
      ['the condition is set', condDir(true)],
      ['no condition directory', join(t.testdirName, 'none')],
    ] as const) {
      const cfg = tempConfig(t, sleepers(1));
      const f = fakeRunner(lingering(1));
      startOwnRemoval(cfg, { exec: f.exec, condDir: dir });
      t.same(f.calls, [], `${why}: no podman call`);
      t.equal(takeOwnRemoval(cfg.podman), undefined, `${why}: nothing to take over`);
    }
    const cfg = tempConfig(t, sleepers(1));
    mkdirSync(cfg.runDir);
    writeFileSync(join(cfg.runDir, 'booted'), 'x\n');
    const f = fakeRunner(lingering(1));
    startOwnRemoval(cfg, { exec: f.exec, condDir: condDir(false) });
    t.same(f.calls, [], 'not the first run since boot: no podman call');
  });

  t.test('another podman than the one started with: not taken over', async (t) => {
    const cfg = tempConfig(t, sleepers(1));
    const f = fakeRunner(lingering(1));
    startOwnRemoval(cfg, { exec: f.exec, condDir: condDir(false) });
    t.equal(takeOwnRemoval('/other/podman'), undefined);
    t.ok(takeOwnRemoval(cfg.podman), 'the one it started with');
  });
});

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

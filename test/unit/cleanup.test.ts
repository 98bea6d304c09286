import t from 'tap';
import { type CleanupPlan, executeCleanup, planCleanup } from '../../src/apply/cleanup.js';
import { type ContainerInfo, type Podman, PodmanError } from '../../src/apply/podman.js';
import { ctr, hex } from '../helpers/containers.js';

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

/** What auto-update and health checks ask of podman: cleanup never does. */
const notUsedByCleanup: Pick<
  Podman,
  | 'inspectContainer'
  | 'inspectImage'
  | 'remoteDigest'
  | 'pull'
  | 'untag'
  | 'version'
  | 'runOptions'
  | 'healthcheckRun'
  | 'kill'
  | 'stop'
> = {
  healthcheckRun: () => Promise.reject(new Error('not used by cleanup')),
  kill: () => Promise.reject(new Error('not used by cleanup')),
  stop: () => Promise.reject(new Error('not used by cleanup')),
  inspectContainer: () => Promise.reject(new Error('not used by cleanup')),
  inspectImage: () => Promise.reject(new Error('not used by cleanup')),
  remoteDigest: () => Promise.reject(new Error('not used by cleanup')),
  pull: () => Promise.reject(new Error('not used by cleanup')),
  untag: () => Promise.reject(new Error('not used by cleanup')),
  version: () => Promise.reject(new Error('not used by cleanup')),
  runOptions: () => Promise.reject(new Error('not used by cleanup')),
};

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
    async imageLabel() {
      calls.push({ op: 'image inspect' });
      return undefined;
    },
    async hasArtifact() {
      calls.push({ op: 'artifact inspect' });
      return false;
    },
    async runUnitCommand() {
      calls.push({ op: 'unit command' });
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
    ...notUsedByCleanup,
  };
  return { podman, calls, present: () => present };
}

/** n units p0 … p{n-1} running busybox. */
const _sleepers = (n: number, text = '[Container]\nImage=localhost/busybox:latest\n') =>
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

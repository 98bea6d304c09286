// Boot recovery without a machine (src/apply/boot.ts): cleanup() makes a constant number of podman
// calls, and bootRecovery writes the stanzas, cleans up, then sets the condition, asking podman
// only what containers/storage's records cannot answer.

import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { bootRecovery, cleanup } from '../../src/apply/boot.js';
import type { Runner } from '../../src/apply/run.js';
import type { Storage } from '../../src/apply/storage.js';
import type { SyncConfig } from '../../src/apply/sync.js';
import { LABEL_MANAGED, READY_CONDITION as READY } from '../../src/render/stanza.js';
import { tempConfig } from '../helpers/config.js';
import { ctr, fakePodmanRunner, hex, lingering, sleepers } from '../helpers/containers.js';
import { fakeFinit } from '../helpers/fakes.js';

/** `podman` whose rm takes 50 ms, and the calls (command lines) made while one runs. */
function slowRemoval(podman: Runner): { exec: Runner; overlapped: string[] } {
  let inRm = false;
  const overlapped: string[] = [];
  const exec: Runner = async (file, args, o) => {
    if (inRm) overlapped.push(args.join(' '));
    if (args[0] !== 'rm') return podman(file, args, o);
    inRm = true;
    await new Promise((r) => setTimeout(r, 50));
    const res = await podman(file, args, o);
    inRm = false;
    return res;
  };
  return { exec, overlapped };
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
    const f = fakePodmanRunner([...lingering(n), ctr('bystander', 'running')]);
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
  const g = fakePodmanRunner([...lingering(2), ...ghosts]);
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
      const f = fakePodmanRunner(lingering(n), { failFirstRm: true });
      const r = await cleanup(cfg, f.exec, pods(n), { atBoot: true });
      t.same(r.errors, [], `${n}, first rm fails: retried, no errors`);
      t.same(f.present(), [], `${n}, first rm fails: all gone after the retry`);
      t.equal(r.calls, f.calls.length, `${n}, first rm fails: calls counts every invocation`);
      return r.calls;
    }),
  );
  t.equal(withRetry[0], withRetry[1], 'with a retry: the same number of calls for 5 and 50');

  const f = fakePodmanRunner(lingering(3));
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
    const f = fakePodmanRunner([...lingering(n), ctr('nomg', 'created'), ctr('bystander', 'running')]);
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
      ['events', 'images', 'ps', 'rm', 'rm', 'run'],
      `${n}: rm of finit-pods' own leftovers by label (first), images (checked once for all pods), the run options (read once for the pods written), one listing, rm of the foreign holder (after the sync), the event log (names of what the listing did not see)`,
    );
    calls.set(n, r.podmanCalls);
  }
  t.equal(calls.get(5), calls.get(50), `the same number of podman calls for 5 and 50 pods (${calls.get(5)})`);

  // the usual boot: only finit-pods' own leftovers, one rm
  const cfg = tempConfig(t, sleepers(3));
  const f = fakePodmanRunner(lingering(3));
  const r = await bootRecovery(cfg, { finit: fakeFinit(), exec: f.exec });
  t.same(
    f.calls.map((c) => c.slice(0, 2).join(' ')),
    ['rm -f', 'images --format', 'run --help', 'ps -a', 'events --stream=false'],
    'own leftovers only: one rm, first; then images (for the sync), the run options and the listing; the event log last',
  );
  t.equal(r.podmanCalls, 5);
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
        const f = fakePodmanRunner([...lingering(n), ctr('p1', 'storage', { id: hex(7001) })]);
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
          ['events', 'images', 'ps', 'rm', 'rm', 'run'],
          `${n}: rm by label, run --help, listing, images, rm --storage of the ghost, events`,
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
    const f = fakePodmanRunner(lingering(3));
    const { exec, overlapped } = slowRemoval(async (file, args, o) =>
      args[0] === 'network'
        ? { exitCode: 0, stdout: '', stderr: '', timedOut: false }
        : f.exec(file, args, o),
    );
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
    const f = fakePodmanRunner(lingering(1), { psFailsOnce: true });
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
      const f = fakePodmanRunner(lingering(n), { failFirstRm: true });
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
    const f = fakePodmanRunner([
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

  t.test(
    'only finit-pods leftovers: one podman call on its state before the condition, whatever N',
    async (t) => {
      const calls = new Map<number, number>();
      for (const n of [5, 50]) {
        const cfg = setup(n);
        const order: string[] = [];
        const f = fakePodmanRunner([...lingering(n), ctr('bystander', 'running')]);
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
          ['podman rm', 'podman run'],
          `${n}: before the condition, only the removal by label, and run --help (answered without podman's state)`,
        );
        t.same(f.reads, { containers: 1, images: 1 }, `${n}: storage read once for each question`);
        t.equal(r.listing, 'storage', `${n}: listing from storage`);
        t.equal(r.images, 'storage', `${n}: images from storage`);
        t.equal(r.cleanup.plan.remove.length, n, `${n}: each removal in the report`);
        t.equal(r.podmanCalls, f.calls.length, `${n}: podmanCalls counts them all`);
        calls.set(n, r.podmanCalls);
      }
      t.equal(calls.get(5), calls.get(50), 'the same number of podman calls for 5 and 50 pods');
    },
  );

  t.test('a container storage shows holding a pod name: podman lists, the holder goes', async (t) => {
    const cfg = setup(3);
    // the podman-service case: made by hand with pod p1's name; and a ghost with p2's
    const hand = ctr('p1', 'created', { id: hex(8001) });
    const ghost = ctr('p2', 'storage', { id: hex(8002) });
    const f = fakePodmanRunner([
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
    const f = fakePodmanRunner(lingering(2), { failFirstRm: true });
    const r = await bootRecovery(cfg, { finit: fakeFinit(), exec: f.exec, storage: f.storage });
    t.equal(r.listing, 'storage');
    t.same(f.present(), [], 'all gone after the retry');
  });

  t.test('the removal by label fails for good: podman lists what is left', async (t) => {
    const cfg = setup(2);
    const f = fakePodmanRunner(lingering(2));
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
    const f = fakePodmanRunner(lingering(2));
    const none: Storage = { root: '/x', containers: () => undefined, images: () => undefined };
    const r = await bootRecovery(cfg, { finit: fakeFinit(), exec: f.exec, storage: none });
    t.equal(r.listing, 'podman');
    t.equal(r.images, 'podman');
    t.same(
      f.calls.map((c) => c[0]),
      ['rm', 'images', 'run', 'ps', 'events'],
      'the removal first; images, the run options and the listing after it',
    );
  });

  t.test('a new pod with an option this podman lacks: no stanza, read while the removal runs', async (t) => {
    const cfg = tempConfig(t, {
      ...sleepers(2),
      'slow.container':
        '[Container]\nImage=localhost/busybox:latest\nHealthCmd=true\nHealthStartupCmd=true\n',
    });
    const f = fakePodmanRunner(lingering(2), { version: '4.3.1' });
    const { exec, overlapped } = slowRemoval(f.exec);
    const r = await bootRecovery(cfg, { finit: fakeFinit(), exec, storage: f.storage });
    t.same(
      overlapped,
      ['run --help', '--version'],
      'only what podman answers without its state ran alongside',
    );
    const slow = r.sync.units.find((u) => u.pod === 'slow');
    t.equal(slow?.state, 'error', 'slow: an error');
    t.match(
      slow?.diagnostics.map((d) => d.message).join('\n'),
      /^podman 4\.3\.1 has no option --health-startup-cmd \(HealthStartupCmd=\), so it refuses to run the pod: remove the key, or install a newer podman; the pod is not started$/,
      'slow: the key and podman version named',
    );
    t.notOk(existsSync(join(cfg.stanzaDir, 'pod-slow.conf')), 'slow: no stanza, so nothing crash-loops');
    t.ok(existsSync(join(cfg.stanzaDir, 'pod-p0.conf')), 'the other pods are written');
    t.equal(r.sync.readySet, true, 'the condition is set');
    t.same(f.present(), [], 'the leftovers are gone');
  });

  t.test('pods already started this boot: podman lists (it knows what runs)', async (t) => {
    const cfg = setup(1);
    const f = fakePodmanRunner([ctr('p0', 'exited', { managed: true, id: hex(3) })]);
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

// auto-update without a machine: which units are candidates (update/candidates.ts), the pure
// planner (update/plan.ts) as a table, and the executor (update/execute.ts) against a fake Podman
// whose references move as podman's do and a fake Finit whose restart runs what the reference
// names, on a fake clock: an update confirmed, one rolled back, one whose pull fails, and the
// settling of an update a power cut interrupted.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { followedArchiveTag } from '../../src/apply/archive.js';
import type { ContainerDetail, Podman } from '../../src/apply/podman.js';
import { PodmanError } from '../../src/apply/podman.js';
import { translateDir } from '../../src/model/translate.js';
import { type UpdateCandidate, updateCandidates } from '../../src/update/candidates.js';
import { carryOutUpdates, type ExecuteDeps, previousTag, pullOptions } from '../../src/update/execute.js';
import { type Observation, planUpdates } from '../../src/update/plan.js';
import { emptyUpdates, isUpdateState, type UpdateState } from '../../src/update/state.js';
import { fakeFinit } from '../helpers/fakes.js';

const REG = 'registry.example:5000';

t.test('candidates: the policy, the reference, where updates come from', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fp-update-'));
  const archive = join(dir, 'app.tar');
  writeFileSync(archive, 'not really an archive');
  const units: Record<string, string> = {
    'app.image': `[Image]\nImage=${REG}/app:1\nTLSVerify=false\nAuthFile=/etc/auth.json\nRetry=3\n`,
    'web.container': '[Container]\nImage=app.image\nAutoUpdate=registry\n',
    'direct.container': `[Container]\nImage=${REG}/app:2\nAutoUpdate=image\nPodmanArgs=--tls-verify=false\nLabel=io.containers.autoupdate.authfile=/run/auth.json\n`,
    'short.container': '[Container]\nImage=busybox\nAutoUpdate=registry\n',
    'odd.container': '[Container]\nImage=localhost/x:1\nAutoUpdate=sometimes\n',
    'loc.container': '[Container]\nImage=localhost/x:1\nAutoUpdate=local\n',
    'arc.container': `[Container]\nImage=oci-archive:${archive}\nAutoUpdate=local\n`,
    'plain.container': `[Container]\nImage=${REG}/app:1\n`,
  };
  for (const [f, text] of Object.entries(units)) writeFileSync(join(dir, f), text);
  const found = updateCandidates(translateDir(dir).results);
  const by = (pod: string) => found.find((c) => c.pod === pod);
  t.same(
    found.map((c) => c.pod).sort(),
    ['arc', 'direct', 'loc', 'odd', 'short', 'web'],
    'every unit with a policy, none without',
  );
  t.match(by('web'), {
    policy: 'registry',
    ref: `${REG}/app:1`,
    source: { kind: 'registry', pull: `${REG}/app:1` },
  });
  t.same(
    [...((by('web') as UpdateCandidate).source as { options: string[] }).options].sort(),
    ['--authfile=/etc/auth.json', '--retry=3', '--tls-verify=false'],
    'AuthFile=, Retry=, TLSVerify=',
  );
  t.same(
    (by('direct') as UpdateCandidate).source,
    { kind: 'registry', pull: `${REG}/app:2`, options: ['--tls-verify=false', '--authfile=/run/auth.json'] },
    "image is podman's old name for registry; the authfile label and the run's --tls-verify are passed on",
  );
  t.match(by('short'), { error: /fully qualified/ }, 'registry needs a fully qualified image');
  t.match(by('odd'), { error: /AutoUpdate=sometimes/ }, 'an unknown policy is an error');
  t.match(by('loc'), { policy: 'local', ref: 'localhost/x:1', source: { kind: 'local' } });
  t.match(by('arc'), {
    ref: followedArchiveTag(archive),
    source: { kind: 'archive', path: archive },
  });
});

t.test('pullOptions: --retry and --retry-delay only where podman pull has them (5.0)', async (t) => {
  const o = ['--tls-verify=false', '--retry=3', '--retry-delay=2s'];
  t.same(pullOptions(o, '4.3.1'), ['--tls-verify=false']);
  t.same(pullOptions(o, '5.4.2'), o);
});

const cand = (pod: string, policy: 'registry' | 'local' = 'registry'): UpdateCandidate => ({
  pod,
  container: pod,
  file: `/units/${pod}.container`,
  policy,
  ref: `${REG}/${pod}:1`,
  source:
    policy === 'registry' ? { kind: 'registry', pull: `${REG}/${pod}:1`, options: [] } : { kind: 'local' },
});

t.test('planUpdates: one step per pod', async (t) => {
  const running = (imageId: string) => ({ id: `c-${imageId}`, imageId, running: true });
  const state: UpdateState = {
    ...emptyUpdates(),
    pending: { cut: { ref: `${REG}/cut:1`, previous: 'old', offer: 'sha256:d', startedAt: 'then' } },
    failed: { bad: [{ offer: 'sha256:bad', rolledBackTo: 'old', at: 'then', why: 'unhealthy' }] },
  };
  const observed = new Map<string, Observation>([
    ['same', { container: running('a'), offer: { key: 'sha256:a', current: true } }],
    ['new', { container: running('a'), offer: { key: 'sha256:b', current: false } }],
    ['bad', { container: running('a'), offer: { key: 'sha256:bad', current: false } }],
    ['badagain', { container: running('a'), offer: { key: 'sha256:newer', current: false } }],
    ['stopped', { container: { id: 'c', imageId: 'a', running: false }, offer: { error: 'not running' } }],
    ['down', { container: running('a'), offer: { error: 'cannot check: connection refused' } }],
    ['loc', { container: running('a'), offer: { key: 'b', image: 'b', current: false } }],
  ]);
  const candidates = [
    ...['same', 'new', 'bad', 'stopped', 'down', 'cut'].map((p) => cand(p)),
    { ...cand('badagain'), pod: 'bad' },
    cand('loc', 'local'),
    { pod: 'odd', file: '/units/odd.container', error: 'AutoUpdate=sometimes' },
  ];
  // badagain is pod "bad" with another offer: the failed one is only that digest
  const steps = planUpdates(candidates.slice(0, 6).concat(candidates.slice(7)), observed, state);
  t.same(
    steps.map((s) => `${'candidate' in s ? s.candidate.pod : s.pod}:${s.kind}`),
    [
      'cut:resume',
      'same:current',
      'new:update',
      'bad:skip',
      'stopped:skip',
      'down:error',
      'loc:update',
      'odd:error',
    ],
  );
  t.match(
    steps.find((s) => s.kind === 'skip' && s.candidate.pod === 'bad'),
    {
      why: /sha256:bad failed.*not tried again until it changes/,
    },
  );
  t.match(
    steps.find((s) => s.kind === 'update' && s.candidate.pod === 'new'),
    { from: 'a', offer: { key: 'sha256:b' } },
  );
  const again = planUpdates([cand('bad')], new Map([['bad', observed.get('badagain')!]]), state);
  t.equal(again[1]?.kind, 'update', 'a digest that changed again is tried');
});

/** A podman whose references move as podman's do, and whose containers run what Finit started. */
function world(opts: { health: Record<string, 'healthy' | 'unhealthy'>; pullFails?: boolean }) {
  const calls: string[] = [];
  const refs = new Map<string, string>([[`${REG}/web:1`, 'old']]);
  let container: ContainerDetail = {
    id: 'c1',
    imageId: 'old',
    state: 'running',
    startedAt: 0,
    labels: {},
    hasHealthcheck: true,
  };
  let clock = 100_000;
  let n = 1;
  const podman = {
    async tag(id: string, name: string) {
      calls.push(`tag ${id} ${name}`);
      refs.set(name, refs.get(id) ?? id);
    },
    async untag(name: string) {
      calls.push(`untag ${name}`);
      refs.delete(name);
    },
    async pull(ref: string) {
      calls.push(`pull ${ref}`);
      if (opts.pullFails)
        throw new PodmanError('podman pull failed: connection refused', ['podman', 'pull'], {
          exitCode: 125,
          stderr: 'connection refused',
          timedOut: false,
        });
      refs.set(ref, 'new');
      return 'new';
    },
    async version() {
      return '5.4.2';
    },
    async inspectContainer() {
      return container;
    },
    async inspectImage(ref: string) {
      const id = refs.get(ref) ?? (['old', 'new'].includes(ref) ? ref : undefined);
      return id ? { id, digests: [], names: [] } : undefined;
    },
    async healthcheckRun() {
      calls.push(`healthcheck ${container.imageId}`);
      return { status: opts.health[container.imageId] ?? 'unhealthy', output: '' };
    },
  } as unknown as Podman;
  const finit = fakeFinit({ calls, services: [{ identity: 'pod:web', status: 'running', pid: 1 }] });
  finit.restart = async (ident) => {
    calls.push(`restart ${ident}`);
    container = { ...container, id: `c${++n}`, imageId: refs.get(`${REG}/web:1`)!, startedAt: clock };
  };
  const saved: UpdateState[] = [];
  const state = emptyUpdates();
  const deps: ExecuteDeps = {
    finit,
    podman,
    finitVersion: '4.12',
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    stableMs: 5_000,
    pollMs: 1_000,
    timeoutMs: 20_000,
    pullTimeoutMs: 60_000,
    state,
    save: (s) => saved.push(structuredClone(s)),
    log: () => undefined,
  };
  return { calls, refs, deps, saved, state, running: () => container, at: () => clock };
}

const updateStep = (from = 'old') => ({
  kind: 'update' as const,
  candidate: cand('web'),
  from,
  offer: { key: 'sha256:new', current: false },
});

t.test('an update that becomes healthy is confirmed', async (t) => {
  const w = world({ health: { new: 'healthy', old: 'healthy' } });
  const [r] = await carryOutUpdates([updateStep()], w.deps);
  t.match(r, { pod: 'web', result: 'updated', image: 'new' });
  t.same(
    w.calls.filter((c) => !c.startsWith('services') && !c.startsWith('healthcheck')),
    [`tag old ${previousTag('web')}`, `pull ${REG}/web:1`, 'restart pod:web', `untag ${previousTag('web')}`],
  );
  t.equal(w.running().imageId, 'new', 'the pod runs the new image');
  t.match(w.saved[0]?.pending.web, { previous: 'old', offer: 'sha256:new' }, 'recorded before the pull');
  t.notOk(w.saved[0]?.pending.web?.image, '…without the new image yet');
  t.equal(w.saved[1]?.pending.web?.image, 'new', 'and the new image once it is here');
  t.same(w.state.pending, {}, 'confirmed: nothing pending');
  t.equal(w.state.last.web?.result, 'updated');
  t.ok(w.saved.every(isUpdateState), 'every state saved is valid');
});

t.test('an update that does not become healthy in time is rolled back', async (t) => {
  const w = world({ health: { new: 'unhealthy', old: 'healthy' } });
  const start = w.at();
  const [r] = await carryOutUpdates([updateStep()], w.deps);
  t.equal(r?.result, 'rolled back');
  t.match(r?.message, /update to sha256:new failed \(not healthy within 20 s: its healthcheck fails\)/);
  t.ok(w.at() - start <= 20_000 + 2_000, `within the timeout and a poll (${w.at() - start} ms)`);
  t.equal(w.refs.get(`${REG}/web:1`), 'old', 'the reference names the previous image again');
  t.equal(w.running().imageId, 'old', 'the pod runs it');
  t.same(
    w.calls.filter((c) => c.startsWith('restart') || c.startsWith('tag')),
    [`tag old ${previousTag('web')}`, 'restart pod:web', `tag old ${REG}/web:1`, 'restart pod:web'],
  );
  t.match(w.state.failed.web, [{ offer: 'sha256:new', image: 'new', rolledBackTo: 'old' }]);
  t.same(w.state.pending, {});
  t.equal(w.state.last.web?.result, 'rolled back');
  // the plan of the next run: that digest is not tried again
  const next = planUpdates(
    [cand('web')],
    new Map([
      [
        'web',
        {
          container: { id: 'c', imageId: 'old', running: true },
          offer: { key: 'sha256:new', current: false },
        },
      ],
    ]),
    w.state,
  );
  t.equal(next[0]?.kind, 'skip', 'not tried again');
});

t.test('a pull that fails leaves the pod alone and is tried again later', async (t) => {
  const w = world({ health: { old: 'healthy' }, pullFails: true });
  const [r] = await carryOutUpdates([updateStep()], w.deps);
  t.equal(r?.result, 'failed');
  t.match(r?.message, /connection refused; tried again later/);
  t.notOk(
    w.calls.some((c) => c.startsWith('restart')),
    'no restart',
  );
  t.same(w.state.pending, {});
  t.same(w.state.failed, {}, 'not recorded as a failed image: it never ran');
});

t.test('an update a power cut interrupted is settled', async (t) => {
  // the new image was pulled and the pod came back on it after the boot
  const w = world({ health: { new: 'healthy' } });
  await w.deps.podman.tag('new', `${REG}/web:1`);
  await w.deps.finit.restart('pod:web');
  w.calls.length = 0;
  const pending = {
    ref: `${REG}/web:1`,
    previous: 'old',
    offer: 'sha256:new',
    image: 'new',
    startedAt: 'then',
  };
  w.state.pending.web = { ...pending };
  let [r] = await carryOutUpdates([{ kind: 'resume', pod: 'web', container: 'web', pending }], w.deps);
  t.equal(r?.result, 'updated', 'healthy on the new image: confirmed');
  t.notOk(
    w.calls.some((c) => c.startsWith('restart')),
    'without a restart',
  );
  t.same(w.state.pending, {});

  // cut before the pull: the reference still names the old image
  const w2 = world({ health: { old: 'healthy' } });
  const early = { ref: `${REG}/web:1`, previous: 'old', offer: 'sha256:new', startedAt: 'then' };
  w2.state.pending.web = { ...early };
  [r] = await carryOutUpdates([{ kind: 'resume', pod: 'web', container: 'web', pending: early }], w2.deps);
  t.equal(r?.result, 'failed');
  t.match(r?.message, /interrupted before it started/);
  t.same(w2.state.pending, {}, 'the record is gone: the next run tries again');
  t.same(w2.state.failed, {});

  // the new image came up unhealthy after the boot: rolled back
  const w3 = world({ health: { new: 'unhealthy', old: 'healthy' } });
  await w3.deps.podman.tag('new', `${REG}/web:1`);
  await w3.deps.finit.restart('pod:web');
  w3.state.pending.web = { ...pending };
  [r] = await carryOutUpdates([{ kind: 'resume', pod: 'web', container: 'web', pending }], w3.deps);
  t.equal(r?.result, 'rolled back');
  t.equal(w3.running().imageId, 'old');
});

t.test('updates.json: a file that is not the expected shape is refused', async (t) => {
  t.ok(isUpdateState(emptyUpdates()));
  t.notOk(isUpdateState({ pending: { web: { ref: 1 } }, failed: {}, last: {} }));
  t.notOk(isUpdateState({ pending: {}, failed: { web: {} }, last: {} }));
  t.notOk(isUpdateState([]));
});

// planSync (src/apply/sync-plan.ts) as a table: units and what is on disk in, the plan out. Pure: no
// fake Finit or podman, no file written; the units are read from a test directory.

import { join } from 'node:path';
import t from 'tap';
import { type FoundFile, type OnDisk, planSync, type SyncPlan } from '../../src/apply/sync-plan.js';
import { translateDir } from '../../src/model/translate.js';
import { finitCaps } from '../../src/render/finit.js';
import { OWNER_MARK, RUNNER_NAME, RUNNER_SCRIPT } from '../../src/render/stanza.js';

const IMAGE = 'localhost/busybox:latest';
const web = `[Container]\nImage=${IMAGE}\nExec=sleep 1000\n`;
const paths = { stanzaDir: '/etc/finit.d/enabled', podman: '/usr/bin/podman', initctl: '/sbin/initctl' };
const caps = finitCaps('4.12');

function disk(stanzas: Record<string, FoundFile> = {}, more: Partial<OnDisk> = {}): OnDisk {
  return {
    stanzas: new Map(Object.entries(stanzas)),
    resources: {},
    archives: new Map(),
    inputs: new Map(),
    reloadPending: false,
    ...more,
  };
}

/** The plan's shape, for a table: what each pod does and what the sync writes and removes. */
function summary(plan: SyncPlan) {
  return {
    states: plan.reports.map((r) => `${r.pod ?? r.file.split('/').pop()}:${r.state}`),
    writes: plan.pods.flatMap((p) => p.files.map((f) => f.path.split('/').pop())),
    imageChecks: plan.pods.filter((p) => p.checkImage).map((p) => p.stem.replace(/^pod-/, '')),
    resources: plan.resources.map((r) => r.filename),
    keep: [...plan.keep].map((s) => s.replace(/^pod-/, '')).sort(),
    remove: plan.remove.map((r) => r.conf.split('/').pop()),
    chmod: plan.chmod.map((f) => f.split('/').pop()),
    runner: plan.runner !== undefined,
    reload: plan.reloadPending,
  };
}

/** What a sync of `units` onto an empty disk would leave there: the "unchanged" starting point. */
function written(dir: string): Record<string, FoundFile> {
  const plan = planSync(translateDir(dir).results, disk(), caps, paths, 'changed');
  const out: Record<string, FoundFile> = { [RUNNER_NAME]: { text: RUNNER_SCRIPT, mode: 0o755 } };
  for (const p of plan.pods)
    for (const f of p.files) out[f.path.split('/').pop()!] = { text: f.content, mode: 0o600 };
  return out;
}

const owned = (text = 'x'): FoundFile => ({ text: `${OWNER_MARK} from x\n${text}`, mode: 0o600 });

t.test('planSync: each case', async (t) => {
  const dir = t.testdir({
    'web.container': web,
    'api.container': web.replace('1000', '2000'),
    'net.network': '[Network]\nSubnet=10.5.0.0/24\n',
  });
  const results = translateDir(dir).results;
  const same = written(dir);
  const cases: [string, OnDisk, 'all' | 'changed', ReturnType<typeof summary>][] = [
    [
      'nothing on disk: every file written, images looked at, the runner written',
      disk(),
      'changed',
      {
        states: ['net.network:unchanged', 'api:unchanged', 'web:unchanged'],
        writes: ['pod-api.argv', 'pod-api.conf', 'pod-web.argv', 'pod-web.conf'],
        imageChecks: ['api', 'web'],
        resources: ['net.network'],
        keep: ['api', 'web'],
        remove: [],
        chmod: [],
        runner: true,
        reload: false,
      },
    ],
    [
      'all as written: nothing to do',
      disk(same, {
        resources: { 'net.network': planSync(results, disk(), caps, paths, 'changed').resources[0]!.hash },
      }),
      'changed',
      {
        states: ['net.network:unchanged', 'api:unchanged', 'web:unchanged'],
        writes: [],
        imageChecks: [],
        resources: [],
        keep: ['api', 'web'],
        remove: [],
        chmod: [],
        runner: false,
        reload: false,
      },
    ],
    [
      'at boot every image is looked at, even with nothing to write; an owed reload is carried',
      disk(same, { reloadPending: true }),
      'all',
      {
        states: ['net.network:unchanged', 'api:unchanged', 'web:unchanged'],
        writes: [],
        imageChecks: ['api', 'web'],
        resources: ['net.network'],
        keep: ['api', 'web'],
        remove: [],
        chmod: [],
        runner: false,
        reload: true,
      },
    ],
    [
      'a stanza of ours whose unit is gone is removed, one not ours is left alone, a 0644 one made 0600',
      disk({
        ...same,
        'pod-old.conf': owned(),
        'pod-old.argv': owned(),
        'pod-theirs.conf': { text: 'service [2345] /bin/true\n', mode: 0o644 },
        'pod-web.argv': { ...(same['pod-web.argv'] as { text: string }), mode: 0o644 },
      }),
      'changed',
      {
        states: ['net.network:unchanged', 'api:unchanged', 'web:unchanged'],
        writes: [],
        imageChecks: [],
        resources: ['net.network'],
        keep: ['api', 'web'],
        remove: ['pod-old.conf'],
        chmod: ['pod-web.argv'],
        runner: false,
        reload: false,
      },
    ],
    [
      'a directory where pod-web.conf goes: named, left alone, no stanza for web',
      disk({ ...same, 'pod-web.conf': { unreadable: 'a directory, not a regular file' } }),
      'changed',
      {
        states: ['net.network:unchanged', 'api:unchanged', 'web:error'],
        writes: [],
        imageChecks: [],
        resources: ['net.network'],
        keep: ['api'],
        remove: [],
        chmod: [],
        runner: false,
        reload: false,
      },
    ],
  ];
  for (const [name, onDisk, check, want] of cases)
    t.same(summary(planSync(results, onDisk, caps, paths, check)), want, name);
});

t.test('planSync: a broken unit keeps the stanza it has, and has none when it had none', async (t) => {
  const dir = t.testdir({
    'web.container': `${web}Bogus=1\n`,
    'new.container': `${web}Bogus=1\n`,
    'dup.container': `${web}ContainerName=systemd-web\n`,
  });
  const results = translateDir(dir).results;
  const plan = planSync(results, disk({ 'pod-web.conf': owned() }), caps, paths, 'changed');
  t.same(summary(plan).states, ['dup:unchanged', 'new:error', 'web:kept']);
  t.same([...plan.keep].sort(), ['pod-dup', 'pod-web']);
  t.same(plan.remove, [], 'the kept stanza is not removed');

  const twice = t.testdir({ 'a.container': `${web}ServiceName=x\n`, 'b.container': `${web}ServiceName=x\n` });
  const p2 = planSync(translateDir(twice).results, disk(), caps, paths, 'changed');
  t.same(summary(p2).states, ['x:unchanged', 'x:error'], 'the second of two pods named x is an error');
  t.match(p2.reports[1]!.diagnostics.at(-1)?.message, /pod "x" .* is already defined by .*a\.container/);
  t.equal(join(paths.stanzaDir, 'pod-x.conf'), p2.reports[0]!.stanza);
});

t.test('planSync: a broken unit keeps the stanza written from it, whatever pod it names now', async (t) => {
  const dir = t.testdir({
    // grown past what is read: no model, so no ServiceName= to name its pod
    'web.container': `${web}ServiceName=front\n#${'x'.repeat(70_000)}\n`,
    // an edit that renames the pod and breaks the unit
    'api.container': `${web}ServiceName=api2\nBogus=1\n`,
    // a pod without its unit's stanza: nothing to keep
    'new.container': `${web}ServiceName=other\nBogus=1\n`,
  });
  const from = (file: string): FoundFile => ({
    text: `${OWNER_MARK} from ${join(dir, file)}\nx`,
    mode: 0o600,
  });
  const onDisk = disk({
    'pod-front.conf': from('web.container'),
    'pod-front.argv': owned(),
    'pod-api1.conf': from('api.container'),
    'pod-gone.conf': from('gone.container'),
  });
  const plan = planSync(translateDir(dir).results, onDisk, caps, paths, 'changed');
  t.same(summary(plan).states, ['api1:kept', 'other:error', 'front:kept'], 'each named by the pod it keeps');
  t.same([...plan.keep].sort(), ['pod-api1', 'pod-front']);
  t.same(summary(plan).remove, ['pod-gone.conf'], 'only the stanza whose unit is gone is removed');
  t.equal(plan.reports.find((r) => r.pod === 'front')?.stanza, join(paths.stanzaDir, 'pod-front.conf'));
});

t.test(
  'planSync: what waits for a pod with Notify= waits for it to be healthy, or to say READY=1',
  async (t) => {
    const dir = t.testdir({
      'db.container': `[Container]\nImage=${IMAGE}\nHealthCmd=true\nNotify=healthy\n`,
      'app.container': `[Unit]\nRequires=db.container\nAfter=db.container\n[Container]\nImage=${IMAGE}\n`,
      'side.container': `[Container]\nImage=${IMAGE}\nNetwork=db.container\n`,
      'sd.container': `[Container]\nImage=${IMAGE}\nNotify=true\n`,
      'user.container': `[Unit]\nWants=sd.container\n[Container]\nImage=${IMAGE}\n`,
    });
    const conf = (plan: SyncPlan, pod: string) =>
      plan.pods.flatMap((p) => p.files).find((f) => f.path.endsWith(`/pod-${pod}.conf`))!.content;
    for (const v of ['4.2', '4.12', '4.15']) {
      const plan = planSync(translateDir(dir).results, disk(), finitCaps(v), paths, 'none');
      t.match(conf(plan, 'app'), /<usr\/finit-pods,usr\/ready-pod-db> /, `${v}: Requires=/After=`);
      t.match(conf(plan, 'side'), /<usr\/finit-pods,usr\/ready-pod-db> /, `${v}: Network=NAME.container`);
      t.match(conf(plan, 'user'), /<usr\/finit-pods,usr\/ready-pod-sd> /, `${v}: Notify=true: its READY=1`);
    }
  },
);

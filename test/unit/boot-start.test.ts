// The removal by label the daemon starts before it has loaded the rest (src/apply/boot-start.ts):
// removeOwn, and startOwnRemoval handing it over to bootRecovery.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { bootRecovery } from '../../src/apply/boot.js';
import { removeOwn, startOwnRemoval, takeOwnRemoval } from '../../src/apply/boot-start.js';
import { podmanCli } from '../../src/apply/podman.js';
import type { Runner, RunResult } from '../../src/apply/run.js';
import { LABEL_MANAGED, READY_CONDITION as READY } from '../../src/render/stanza.js';
import { tempConfig } from '../helpers/config.js';
import { fakePodmanRunner, hex, lingering, sleepers } from '../helpers/containers.js';
import { fakeFinit } from '../helpers/fakes.js';

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
t.test('the daemon starts the removal by label before it has loaded the rest (boot-start.ts)', async (t) => {
  const condDir = (set: boolean) =>
    t.testdir({ usr: set ? { [READY]: t.fixture('symlink', '/dev/null') } : {} });

  t.test('first run since boot, condition unset: started, then taken over by bootRecovery', async (t) => {
    const cfg = tempConfig(t, sleepers(3));
    const f = fakePodmanRunner(lingering(3));
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
      const f = fakePodmanRunner(lingering(1));
      startOwnRemoval(cfg, { exec: f.exec, condDir: dir });
      t.same(f.calls, [], `${why}: no podman call`);
      t.equal(takeOwnRemoval(cfg.podman), undefined, `${why}: nothing to take over`);
    }
    const cfg = tempConfig(t, sleepers(1));
    mkdirSync(cfg.runDir);
    writeFileSync(join(cfg.runDir, 'booted'), 'x\n');
    const f = fakePodmanRunner(lingering(1));
    startOwnRemoval(cfg, { exec: f.exec, condDir: condDir(false) });
    t.same(f.calls, [], 'not the first run since boot: no podman call');
  });

  t.test('another podman than the one started with: not taken over', async (t) => {
    const cfg = tempConfig(t, sleepers(1));
    const f = fakePodmanRunner(lingering(1));
    startOwnRemoval(cfg, { exec: f.exec, condDir: condDir(false) });
    t.equal(takeOwnRemoval('/other/podman'), undefined);
    t.ok(takeOwnRemoval(cfg.podman), 'the one it started with');
  });
});

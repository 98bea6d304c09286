// Health in status and doctor (src/inspect/health-view.ts through status.ts), from the daemon's
// RUN_DIR/health.json: absent without a health check or a run (a pod Finit does not know),
// starting for a run not checked yet,
// healthy, and unhealthy as the pod's problem, with what finit-pods did; doctor names it.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { HealthRecord } from '../../src/daemon/health.js';
import { writeHealth } from '../../src/daemon/health-state.js';
import { doctor } from '../../src/inspect/doctor.js';
import { collectStatus, formatStatus } from '../../src/inspect/status.js';
import { fakeRunner } from '../helpers/fakes.js';
import { adapters, INITCTL, inspectConfig, PODMAN, psRow } from '../helpers/inspect.js';
import { type Schema, validate } from '../helpers/json-schema.js';
import { REPO_DIR } from '../helpers/testbed.js';

const schema = JSON.parse(readFileSync(join(REPO_DIR, 'docs', 'status.schema.json'), 'utf8')) as Schema;
const IMG = 'localhost/busybox:latest';
const AT = '2026-01-01T00:00:00.000Z';

t.test('status and doctor show each pod health as the daemon recorded it', async (t) => {
  const { cfg, unit } = inspectConfig(t);
  const checked = `[Container]\nImage=${IMG}\nHealthCmd=true\n`;
  unit('ok.container', checked);
  unit('sick.container', checked);
  unit('new.container', checked);
  unit('stopped.container', `${checked}HealthOnFailure=stop\n`);
  unit('plain.container', `[Container]\nImage=${IMG}\n`);
  unit('unknown.container', checked); // no stanza (Finit does not know it), never checked
  const rec = (
    pid: number,
    status: HealthRecord['status'],
    more: Partial<HealthRecord> = {},
  ): HealthRecord => ({
    pid,
    status,
    failingStreak: status === 'unhealthy' ? 3 : 0,
    startedAt: AT,
    checkedAt: AT,
    exitCode: status === 'healthy' ? 0 : 1,
    output: status === 'healthy' ? '' : 'unhealthy',
    ...more,
  });
  mkdirSync(cfg.runDir, { recursive: true });
  writeHealth(cfg.runDir, {
    ok: rec(301, 'healthy'),
    sick: rec(302, 'unhealthy'),
    new: rec(9, 'unhealthy'), // an earlier run: this one (303) is not checked yet
    stopped: rec(304, 'unhealthy', { action: 'stop' }),
  });
  const services = [
    { identity: 'pod:ok', status: 'running', pid: 301, restarts: 0 },
    { identity: 'pod:sick', status: 'running', pid: 302, restarts: 0 },
    { identity: 'pod:new', status: 'running', pid: 303, restarts: 4 },
    { identity: 'pod:stopped', status: 'stopped', pid: 0, restarts: 0 },
    { identity: 'pod:plain', status: 'running', pid: 305, restarts: 0 },
  ];
  const ps = ['ok', 'sick', 'new', 'plain'].map((n, i) => psRow(`${i}`.repeat(12), n, 'running'));
  const exec = fakeRunner({
    [`${INITCTL} -j status`]: { stdout: JSON.stringify(services) },
    [`${PODMAN} ps -a --format json`]: { stdout: JSON.stringify(ps) },
    [`${PODMAN} images --format json`]: { stdout: JSON.stringify([{ Id: 'f'.repeat(64), Names: [IMG] }]) },
    [`${INITCTL} restart`]: {},
  });
  const view = await collectStatus(cfg, adapters('4.12', true, exec));
  t.same(validate(schema, view), [], 'valid by docs/status.schema.json');
  const by = (n: string) => view.units.find((u) => u.name === n)!;
  t.same(by('ok').health, { status: 'healthy', failingStreak: 0, checkedAt: AT, exitCode: 0, output: '' });
  t.equal(by('ok').healthy, true);
  t.equal(by('plain').health, undefined, 'absent without a health check');
  t.same(by('new').health, { status: 'starting', failingStreak: 0 }, 'a run not checked yet');
  t.equal(by('unknown').health, undefined, 'absent for a pod Finit does not know: no run to be starting');
  t.equal(by('new').healthy, true);
  t.equal(by('sick').healthy, false);
  t.equal(
    by('sick').problem,
    `unhealthy: its health check failed 3 times in a row (last at ${AT}; podman: unhealthy)`,
  );
  t.equal(by('stopped').health?.action, 'stop', 'the last run of a pod Finit does not run');
  t.match(
    by('stopped').problem,
    /^unhealthy: .*; finit-pods stopped it \(HealthOnFailure=stop\); initctl start pod:stopped starts it again$/,
  );
  const text = formatStatus(view);
  t.match(text, /^pod:ok\s.*\s+healthy$/m, 'the HEALTH column');
  t.match(text, /^pod:plain\s.*\s+-$/m);
  t.match(text, /^pod:unknown\s.*\s+-$/m);
  t.match(text, /^pod:sick: unhealthy: its health check failed 3 times/m);

  const found = await doctor(cfg, {
    ...adapters('4.12', true, exec),
    apply: async () => {
      throw new Error('not applied here');
    },
  });
  t.match(
    found.filter((f) => f.pod === 'sick' || f.pod === 'stopped'),
    [
      { pod: 'sick', problem: /^unhealthy: its health check failed 3 times in a row/ },
      { pod: 'stopped', problem: /^unhealthy: .*HealthOnFailure=stop/ },
    ],
    'doctor names each unhealthy pod and why',
  );
  t.notOk(
    found.some(
      (f) =>
        f.pod === 'ok' ||
        f.pod === 'new' ||
        f.pod === 'plain' ||
        (f.pod === 'unknown' && /health/.test(f.problem)),
    ),
    'and no other',
  );
});

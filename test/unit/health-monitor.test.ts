// The daemon's health checks wired up (src/daemon/health-monitor.ts), with fake adapters and a
// fake clock over a real run dir: the schedule read from the runner's argv copy, pods seen through
// Finit's services, RUN_DIR/health.json written for status, a daemon that restarts, and the
// HealthOnFailure= action noted in the record.

import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { FinitService } from '../../src/apply/finit-status.js';
import { HealthMonitor, readTarget } from '../../src/daemon/health-monitor.js';
import { healthPath, readHealth } from '../../src/daemon/health-state.js';
import { type HealthSpec, healthSetting } from '../../src/model/health.js';
import { FakeClock } from '../helpers/clock.js';
import { fakeFinit } from '../helpers/fakes.js';

const SPEC: HealthSpec = {
  intervalMs: 30_000,
  timeoutMs: 5000,
  retries: 2,
  startPeriodMs: 0,
  onFailure: 'kill',
};

/** The runner's copy of pod NAME's argv file, as finit-pods-run writes it to RUN_DIR/argv/NAME.PID. */
function runnerCopy(runDir: string, pod: string, pid: number, settings: Record<string, string>): void {
  mkdirSync(join(runDir, 'argv'), { recursive: true });
  const lines = [
    '# finit-pods: generated from web.container',
    ...Object.entries(settings).map(([k, v]) => `${k}=${v}`),
    '@run',
    ' /usr/bin/podman',
    ' run',
    ' HEALTH=not-a-setting',
  ];
  writeFileSync(join(runDir, 'argv', `${pod}.${pid}`), `${lines.join('\n')}\n`);
}

const svc = (identity: string, pid: number, status = 'running'): FinitService => ({ identity, pid, status });

function monitor(runDir: string, answer: (name: string) => 'healthy' | 'unhealthy') {
  const clock = new FakeClock();
  const calls: string[] = [];
  const finit = fakeFinit({ calls });
  const podman = {
    async healthcheckRun(name: string, timeoutMs: number) {
      calls.push(`healthcheck run ${name} ${timeoutMs}`);
      const status = answer(name);
      return { status, output: status === 'healthy' ? '' : 'unhealthy' };
    },
    async kill(name: string) {
      calls.push(`kill ${name}`);
    },
    async stop(name: string, s: number) {
      calls.push(`stop -t ${s} ${name}`);
    },
  };
  const logged: string[] = [];
  const log = {
    info: (_o: unknown, m?: string) => logged.push(String(m ?? _o)),
    warn: (_o: unknown, m?: string) => logged.push(String(m ?? _o)),
    error: (_o: unknown, m?: string) => logged.push(String(m ?? _o)),
  } as unknown as ConstructorParameters<typeof HealthMonitor>[0]['log'];
  const m = new HealthMonitor({ runDir, podman, finit, log, clock, writeDelayMs: 5000 });
  return { m, clock, calls, logged, finit };
}

t.test('readTarget: the schedule the run started with, from its argv copy', async (t) => {
  const runDir = t.testdir();
  runnerCopy(runDir, 'web', 42, {
    POD: 'web',
    CONTAINER: 'web-c',
    STOP_TIMEOUT: '3',
    HEALTH: healthSetting(SPEC),
    READY_COND: 'ready-pod-web',
  });
  t.same(readTarget(runDir, 'web', 42), {
    pod: 'web',
    pid: 42,
    container: 'web-c',
    spec: SPEC,
    stopTimeout: 3,
    readyCondition: 'ready-pod-web',
  });
  runnerCopy(runDir, 'relayed', 8, {
    POD: 'relayed',
    HEALTH: healthSetting(SPEC),
    NOTIFY: '1',
    READY_COND: 'ready-pod-relayed',
  });
  t.notOk(
    readTarget(runDir, 'relayed', 8)?.readyCondition,
    'Notify=true with a health check: checked, but its readiness is the runner relay',
  );
  runnerCopy(runDir, 'plain', 7, { POD: 'plain', CONTAINER: 'plain' });
  t.equal(readTarget(runDir, 'plain', 7), null, 'no health check');
  t.equal(readTarget(runDir, 'web', 43), undefined, 'no copy for that PID');
});

t.test(
  'pods seen starting are checked, health.json follows, a stopped one is no longer checked',
  async (t) => {
    const runDir = t.testdir();
    runnerCopy(runDir, 'web', 42, { CONTAINER: 'web', STOP_TIMEOUT: '10', HEALTH: healthSetting(SPEC) });
    runnerCopy(runDir, 'plain', 50, { CONTAINER: 'plain' });
    let sick = false;
    const h = monitor(runDir, () => (sick ? 'unhealthy' : 'healthy'));
    h.m.observe([
      svc('pod:web', 42),
      svc('pod:plain', 50),
      svc('kube:demo', 60),
      svc('pod:idle', 0, 'stopped'),
    ]);
    await h.clock.advance(0);
    t.same(
      h.calls,
      ['healthcheck run web 35000'],
      "one check, at once, with room beyond the check's own timeout",
    );
    await h.clock.advance(0);
    const f = readHealth(runDir);
    t.equal(f?.pods.web?.status, 'healthy', 'the turn to healthy is written at once');
    t.equal(statSync(healthPath(runDir)).mode & 0o777, 0o600, 'private');
    t.same(Object.keys(f?.pods ?? {}), ['web'], 'only pods with a health check');

    // the same services again (another pod started): nothing new is read or run
    h.m.observe([svc('pod:web', 42), svc('pod:plain', 50)]);
    await h.clock.advance(29_000);
    t.equal(h.calls.length, 1);

    sick = true;
    await h.clock.advance(1000);
    await h.clock.advance(30_000);
    t.same(h.calls.slice(1), ['healthcheck run web 35000', 'healthcheck run web 35000', 'kill web']);
    await h.clock.advance(0);
    const rec = readHealth(runDir)?.pods.web;
    t.same(
      [rec?.status, rec?.failingStreak, rec?.action],
      ['unhealthy', 2, 'kill'],
      'written with what was done',
    );

    // Finit restarted it: a new run starts over; then it stops
    runnerCopy(runDir, 'web', 77, { CONTAINER: 'web', HEALTH: healthSetting(SPEC) });
    sick = false;
    h.m.observe([svc('pod:web', 77)]);
    await h.clock.advance(0);
    await h.clock.advance(0);
    t.same([readHealth(runDir)?.pods.web?.pid, readHealth(runDir)?.pods.web?.status], [77, 'healthy']);
    h.m.observe([svc('pod:web', 0, 'stopped')]);
    const n = h.calls.length;
    await h.clock.advance(120_000);
    t.equal(h.calls.length, n, 'no check of a stopped pod');
    h.m.observe([]);
    await h.clock.advance(0);
    t.same(readHealth(runDir)?.pods, {}, 'forgotten once Finit no longer knows it');
    await h.m.stop();
  },
);

t.test('routine records are gathered; the daemon stopping writes them; a new daemon goes on', async (t) => {
  const runDir = t.testdir();
  runnerCopy(runDir, 'web', 42, { CONTAINER: 'web', HEALTH: healthSetting(SPEC) });
  const h = monitor(runDir, () => 'healthy');
  h.m.observe([svc('pod:web', 42)]);
  await h.clock.advance(0);
  await h.clock.advance(0);
  const first = readFileSync(healthPath(runDir), 'utf8');
  await h.clock.advance(30_000);
  t.equal(readFileSync(healthPath(runDir), 'utf8'), first, 'a routine check is not written at once');
  await h.clock.advance(5000);
  t.not(readFileSync(healthPath(runDir), 'utf8'), first, 'but within the write delay');
  await h.clock.advance(25_000);
  await h.m.stop();
  const checkedAt = readHealth(runDir)?.pods.web?.checkedAt;
  t.equal(checkedAt, new Date(h.clock.now()).toISOString(), 'the last check, written as the daemon stopped');

  // a new daemon, 10 s later: same run, so its next check is 20 s away
  const again = monitor(runDir, () => 'healthy');
  again.clock.t = h.clock.now() + 10_000;
  again.m.observe([svc('pod:web', 42)]);
  await again.clock.advance(19_000);
  t.same(again.calls, []);
  await again.clock.advance(1000);
  t.same(again.calls, ['healthcheck run web 35000']);
  await again.m.stop();
});

t.test('a corrupt health.json is set aside and rebuilt', async (t) => {
  const runDir = t.testdir();
  writeFileSync(healthPath(runDir), '{"pods": 3}');
  const h = monitor(runDir, () => 'healthy');
  t.match(h.logged[0], /health\.json is corrupt .*moved to .*rebuilt/);
  await h.m.stop();
  t.same(readHealth(runDir)?.pods, {});
});

t.test(
  'Notify=healthy: a ready condition that could not be set, or was cleared, is set at the next passing check',
  async (t) => {
    const runDir = t.testdir();
    runnerCopy(runDir, 'db', 42, {
      CONTAINER: 'db',
      HEALTH: healthSetting(SPEC),
      READY_COND: 'ready-pod-db',
    });
    const h = monitor(runDir, () => 'healthy');
    h.finit.fail.condSet = 'initctl cond set ready-pod-db timed out after 10 s';
    h.m.observe([svc('pod:db', 42)]);
    await h.clock.advance(0);
    await h.clock.advance(0);
    t.match(h.logged, [/pod:db is healthy/, /cannot set usr\/ready-pod-db: .*timed out/]);
    t.notOk(h.finit.ready, 'not set');

    delete h.finit.fail.condSet;
    await h.clock.advance(30_000);
    await h.clock.advance(0);
    t.ok(h.finit.ready, 'set at the next check that passed');
    t.match(h.logged.at(-1), /pod:db is healthy but usr\/ready-pod-db is not set: setting it again/);
    t.same(h.calls.slice(-2), ['cond get ready-pod-db', 'cond set ready-pod-db']);

    // set: the next passing check only reads it
    await h.clock.advance(30_000);
    await h.clock.advance(0);
    t.same(h.calls.slice(-2), ['healthcheck run db 35000', 'cond get ready-pod-db'], 'read, not set again');

    // paused by Finit a moment (a reload): the same run, still checked, still ready
    h.m.observe([svc('pod:db', 42, 'paused')]);
    await h.clock.advance(0);
    t.notOk(
      h.calls.some((c) => c.startsWith('cond clear')),
      'not taken for a pod that ended: its condition stays',
    );
    await h.clock.advance(30_000);
    t.equal(h.calls.filter((c) => c === 'healthcheck run db 35000').length, 4, 'and its checks go on');
    await h.m.stop();
  },
);

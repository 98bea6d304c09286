// What the daemon does about a pod's health (src/daemon/health-actions.ts), with fake adapters:
// HealthOnFailure= kill, restart, stop and none, a failed startup check, Notify=healthy's
// condition, and an adapter call that fails.

import t from 'tap';
import type { HealthEvent, HealthRecord, HealthTarget } from '../../src/daemon/health.js';
import { actOn } from '../../src/daemon/health-actions.js';
import type { OnFailure } from '../../src/model/health.js';
import { fakeFinit } from '../helpers/fakes.js';

function deps(failing?: 'kill' | 'stop' | 'initctl') {
  const calls: string[] = [];
  const logged: string[] = [];
  const finit = fakeFinit({ calls });
  if (failing === 'initctl') finit.fail.stop = 'initctl stop failed: exit 255';
  const podman = {
    async kill(name: string) {
      if (failing === 'kill') throw new Error('podman kill failed: Error: no such container');
      calls.push(`podman kill ${name}`);
    },
    async stop(name: string, seconds: number) {
      calls.push(`podman stop -t ${seconds} ${name}`);
    },
  };
  const log = {
    info: (_o: object, msg: string) => logged.push(`info ${msg}`),
    warn: (_o: object, msg: string) => logged.push(`warn ${msg}`),
    error: (_o: object, msg: string) => logged.push(`error ${msg}`),
  };
  return { calls, logged, d: { podman, finit, log } as unknown as Parameters<typeof actOn>[3] };
}

const target = (onFailure: OnFailure, ready = false): HealthTarget => ({
  pod: 'web',
  pid: 100,
  container: 'web-c',
  stopTimeout: 7,
  spec: { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, onFailure },
  ...(ready ? { readyCondition: 'ready-pod-web' } : {}),
});
const sick: HealthRecord = {
  pid: 100,
  status: 'unhealthy',
  failingStreak: 3,
  startedAt: '2026-01-01T00:00:00.000Z',
  output: 'unhealthy',
};
const first: HealthEvent = { kind: 'unhealthy', first: true, startup: false };
const again: HealthEvent = { kind: 'unhealthy', first: false, startup: false };

t.test('HealthOnFailure=kill and =restart end the container, so Finit restarts the pod', async (t) => {
  const k = deps();
  t.equal(await actOn(target('kill'), sick, first, k.d), 'kill');
  t.same(k.calls, ['podman kill web-c']);
  t.match(k.logged, [
    /^error pod:web is unhealthy: its health check failed 3 times in a row \(podman: unhealthy\)/,
    /killed/,
  ]);
  const r = deps();
  t.equal(await actOn(target('restart'), sick, first, r.d), 'restart');
  t.same(r.calls, ['podman stop -t 7 web-c'], 'stopped with its StopTimeout=');
  t.equal(await actOn(target('restart'), sick, again, r.d), 'restart', 'again at a later failed check');
  t.equal(r.logged.filter((l) => l.includes('is unhealthy:')).length, 1, 'said once');
});

t.test('HealthOnFailure=stop: initctl stop, and the log says how to start it again', async (t) => {
  const s = deps();
  t.equal(await actOn(target('stop'), sick, first, s.d), 'stop');
  t.same(s.calls, ['stop pod:web']);
  t.match(
    s.logged.at(-1),
    /pod:web stopped because it is unhealthy \(HealthOnFailure=stop\); initctl start pod:web/,
  );
});

t.test('HealthOnFailure=none: recorded only', async (t) => {
  const n = deps();
  t.equal(await actOn(target('none'), sick, first, n.d), undefined);
  t.equal(await actOn(target('none'), sick, again, n.d), undefined);
  t.same(n.calls, []);
  t.same(n.logged.length, 1);
  t.match(n.logged[0], /^warn pod:web is unhealthy/);
});

t.test('a failed startup check restarts, whatever HealthOnFailure= says', async (t) => {
  const n = deps();
  t.equal(
    await actOn(target('none'), sick, { kind: 'unhealthy', first: true, startup: true }, n.d),
    'restart',
  );
  t.same(n.calls, ['podman stop -t 7 web-c']);
  t.match(n.logged[0], /its startup check failed 3 times in a row/);
});

t.test('Notify=healthy: the condition set when healthy, cleared when unhealthy or gone', async (t) => {
  const c = deps();
  const healthy: HealthRecord = { ...sick, status: 'healthy', failingStreak: 0 };
  await actOn(target('none', true), healthy, { kind: 'healthy' }, c.d);
  await actOn(target('none', true), sick, first, c.d);
  await actOn(target('none', true), sick, again, c.d);
  await actOn(target('none', true), healthy, { kind: 'healthy' }, c.d);
  await actOn(target('none', true), healthy, { kind: 'gone' }, c.d);
  await actOn(target('none', true), sick, { kind: 'gone' }, c.d);
  t.same(c.calls, [
    'cond set ready-pod-web',
    'cond clear ready-pod-web',
    'cond set ready-pod-web',
    'cond clear ready-pod-web',
  ]);
  const none = deps();
  await actOn(target('none'), healthy, { kind: 'healthy' }, none.d);
  await actOn(target('none'), healthy, { kind: 'gone' }, none.d);
  t.same(none.calls, [], 'no condition without Notify=healthy');
});

t.test('a call that fails is logged and nothing is noted: the next failed check tries again', async (t) => {
  const k = deps('kill');
  t.equal(await actOn(target('kill'), sick, first, k.d), undefined);
  t.match(
    k.logged.at(-1),
    /^error pod:web is unhealthy and podman kill failed: .*no such container; tried again/,
  );
  const s = deps('initctl');
  t.equal(await actOn(target('stop'), sick, first, s.d), undefined);
  t.match(s.logged.at(-1), /initctl stop failed/);
  const c = deps();
  c.d.finit = { ...c.d.finit, condSet: () => Promise.reject(new Error('initctl cond set failed: exit 1')) };
  await actOn(target('none', true), { ...sick, status: 'healthy' }, { kind: 'healthy' }, c.d);
  t.match(c.logged.at(-1), /^error pod:web: cannot set usr\/ready-pod-web: initctl cond set failed/);
});

// Health checks (src/daemon/health.ts, src/model/health.ts) without a machine: Go durations and
// the HEALTH setting as the daemon reads them back, what one check makes of a pod's record
// (retries, start period, startup check), and the scheduler over a fake clock and a fake check:
// when checks run, how many at once, a check podman could not run, a pod that stops or restarts,
// and a daemon that resumes.

import t from 'tap';
import {
  afterCheck,
  type CheckResult,
  freshRecord,
  type HealthEvent,
  type HealthRecord,
  HealthScheduler,
  type HealthTarget,
} from '../../src/daemon/health.js';
import {
  type HealthSpec,
  healthSetting,
  parseGoDuration,
  parseHealthSetting,
} from '../../src/model/health.js';
import { FakeClock } from '../helpers/clock.js';

const SPEC: HealthSpec = {
  intervalMs: 30_000,
  timeoutMs: 5000,
  retries: 3,
  startPeriodMs: 0,
  onFailure: 'none',
};
const target = (pod: string, pid = 100, spec: HealthSpec = SPEC): HealthTarget => ({
  pod,
  pid,
  container: pod,
  spec,
  stopTimeout: 10,
});
const PASS: CheckResult = { status: 'healthy', output: '' };
const FAIL: CheckResult = { status: 'unhealthy', output: 'unhealthy' };

t.test('Go durations, as podman reads --health-* values', async (t) => {
  const cases: [string, number | undefined][] = [
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['2m3s', 123_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['0', 0],
    ['-1s', -1000],
    ['30', undefined],
    ['1m30', undefined],
    ['s', undefined],
    ['', undefined],
    ['1 m', undefined],
    ['1min', undefined],
    ['s\rp', undefined], // found by the fuzz: a line break in the value threw
    ['1s\n', 1000],
    ['+2s', 2000],
  ];
  for (const [text, ms] of cases) t.equal(parseGoDuration(text), ms, JSON.stringify(text));
});

t.test('the HEALTH setting reads back as written, and nothing else reads as one', async (t) => {
  const spec: HealthSpec = {
    ...SPEC,
    startup: { intervalMs: 1000, timeoutMs: 2000, retries: 3, successes: 2 },
  };
  t.same(parseHealthSetting(healthSetting(spec)), spec);
  t.same(parseHealthSetting(healthSetting(SPEC)), SPEC);
  for (const bad of ['', 'x', '{}', '[]', 'null', JSON.stringify({ ...SPEC, onFailure: 'reboot' })])
    t.equal(parseHealthSetting(bad), undefined, bad);
  t.equal(parseHealthSetting(JSON.stringify({ ...SPEC, retries: -1 })), undefined);
  t.equal(parseHealthSetting(JSON.stringify({ ...SPEC, startup: { intervalMs: 1 } })), undefined);
});

t.test('afterCheck: one check result and what it makes of the record', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const rec0 = freshRecord(target('web'), now);
  t.same(rec0, { pid: 100, status: 'starting', failingStreak: 0, startedAt: '2026-01-01T00:00:00.000Z' });

  t.test('a pass: healthy, once', async (t) => {
    const a = afterCheck(rec0, SPEC, PASS, now + 1000);
    t.equal(a.rec.status, 'healthy');
    t.same(a.event, { kind: 'healthy' });
    t.equal(a.nextMs, 30_000);
    t.same(
      { checkedAt: a.rec.checkedAt, exitCode: a.rec.exitCode, output: a.rec.output },
      { checkedAt: '2026-01-01T00:00:01.000Z', exitCode: 0, output: '' },
    );
    t.equal(afterCheck(a.rec, SPEC, PASS, now + 2000).event, undefined, 'no event while it stays healthy');
  });

  t.test('HealthRetries= failures in a row make it unhealthy; a pass makes it healthy again', async (t) => {
    let rec = afterCheck(rec0, SPEC, PASS, now).rec;
    const events: (HealthEvent | undefined)[] = [];
    for (let i = 1; i <= 4; i++) {
      const a = afterCheck(rec, SPEC, FAIL, now + i);
      rec = a.rec;
      events.push(a.event);
      t.equal(rec.failingStreak, i);
      t.equal(rec.exitCode, 1);
    }
    t.same(events, [
      undefined,
      undefined,
      { kind: 'unhealthy', first: true, startup: false },
      { kind: 'unhealthy', first: false, startup: false },
    ]);
    t.equal(rec.status, 'unhealthy');
    const back = afterCheck(rec, SPEC, PASS, now + 10);
    t.same([back.rec.status, back.rec.failingStreak, back.event], ['healthy', 0, { kind: 'healthy' }]);
  });

  t.test('the start period forgives failures until the first success', async (t) => {
    const spec = { ...SPEC, retries: 1, startPeriodMs: 60_000 };
    const early = afterCheck(rec0, spec, FAIL, now + 59_000);
    t.same([early.rec.status, early.rec.failingStreak, early.event], ['starting', 0, undefined]);
    const late = afterCheck(early.rec, spec, FAIL, now + 60_000);
    t.same([late.rec.status, late.event?.kind], ['unhealthy', 'unhealthy'], 'after it, a failure counts');
    const ok = afterCheck(rec0, spec, PASS, now + 1000).rec;
    t.equal(
      afterCheck(ok, spec, FAIL, now + 2000).rec.status,
      'unhealthy',
      'after a first success it counts',
    );
  });

  t.test('a retry count of 1: the first counted failure', async (t) => {
    t.equal(afterCheck(rec0, { ...SPEC, retries: 1 }, FAIL, now).rec.status, 'unhealthy');
  });

  t.test('the startup check: its own pace, then the regular check at once', async (t) => {
    const spec: HealthSpec = {
      ...SPEC,
      startup: { intervalMs: 2000, timeoutMs: 1000, retries: 0, successes: 2 },
    };
    const r0 = freshRecord(target('web', 100, spec), now);
    t.equal(r0.startupPassed, 0);
    const f = afterCheck(r0, spec, FAIL, now + 1);
    t.same([f.rec.status, f.rec.failingStreak, f.event, f.nextMs], ['starting', 1, undefined, 2000]);
    const p1 = afterCheck(f.rec, spec, PASS, now + 2);
    t.same([p1.rec.startupPassed, p1.rec.failingStreak, p1.nextMs], [1, 0, 2000]);
    const p2 = afterCheck(p1.rec, spec, PASS, now + 3);
    t.equal(p2.rec.startupPassed, undefined, 'passed twice: the regular check');
    t.equal(p2.rec.status, 'starting', 'healthy only once the regular check passes');
    t.equal(p2.nextMs, 0);
    t.equal(afterCheck(p2.rec, spec, PASS, now + 4).rec.status, 'healthy');
  });

  t.test('HealthStartupRetries=: unhealthy, as a startup failure', async (t) => {
    const spec: HealthSpec = {
      ...SPEC,
      startup: { intervalMs: 2000, timeoutMs: 1000, retries: 2, successes: 1 },
    };
    const a = afterCheck(freshRecord(target('web', 100, spec), now), spec, FAIL, now);
    t.equal(a.event, undefined);
    const b = afterCheck(a.rec, spec, FAIL, now);
    t.same([b.rec.status, b.event], ['unhealthy', { kind: 'unhealthy', first: true, startup: true }]);
  });

  t.test('a check that runs clears the error of one that could not', async (t) => {
    t.equal(afterCheck({ ...rec0, error: 'podman failed' }, SPEC, PASS, now).rec.error, undefined);
  });
});

/** A scheduler over a fake clock, with a check answered by `answer` (per pod), recording what happened. */
function harness(
  answer: (t: HealthTarget) => Promise<CheckResult> | CheckResult,
  opts: { resume?: Record<string, HealthRecord>; maxRunning?: number } = {},
) {
  const clock = new FakeClock();
  const runs: { pod: string; at: number; timeoutMs: number }[] = [];
  const events: string[] = [];
  let writes = 0;
  let urgent = 0;
  const s = new HealthScheduler(
    {
      run: async (tg, timeoutMs) => {
        runs.push({ pod: tg.pod, at: clock.now() - t0, timeoutMs });
        return answer(tg);
      },
      changed: (u) => {
        writes++;
        if (u) urgent++;
      },
      event: (tg, rec, e) =>
        events.push(`${tg.pod}/${tg.pid} ${e.kind}${'first' in e && e.first ? ' first' : ''} ${rec.status}`),
    },
    clock,
    opts.resume,
    opts.maxRunning,
  );
  const t0 = clock.now();
  return { clock, s, runs, events, counts: () => ({ writes, urgent }), t0 };
}

t.test('the scheduler: one check at once as a pod starts, then one per interval, nothing else', async (t) => {
  const h = harness(() => PASS);
  h.s.update([target('web')], new Set(['web']));
  await h.clock.advance(95_000);
  t.same(
    h.runs.map((r) => r.at),
    [0, 30_000, 60_000, 90_000],
  );
  t.equal(h.runs[0]!.timeoutMs, 5000, "the check's own timeout");
  t.same(h.events, ['web/100 healthy healthy'], 'one event: it turned healthy');
  t.equal(h.clock.pending(), 1, 'one timer at rest');
  t.equal(h.s.record('web')?.status, 'healthy');
  t.ok(h.counts().urgent >= 2, 'the new record and the turn to healthy are urgent');
});

t.test(
  'the scheduler: a check podman could not run changes no status, and is tried again soon',
  async (t) => {
    let fail = true;
    const h = harness(() => {
      if (fail) throw new Error('podman healthcheck run failed: no such container');
      return PASS;
    });
    h.s.update([target('web')], new Set(['web']));
    await h.clock.advance(20_000);
    t.same(
      h.runs.map((r) => r.at),
      [0, 1000, 3000, 7000, 15_000],
      'after 1, 2, 4, 8 s',
    );
    t.equal(h.s.record('web')?.status, 'starting', 'never read as unhealthy');
    t.match(h.s.record('web')?.error, /no such container/);
    t.same(h.events, []);
    await h.clock.advance(60_000);
    t.equal(h.runs.at(-1)!.at - h.runs.at(-2)!.at, 30_000, 'at most the interval apart');
    fail = false;
    await h.clock.advance(30_000);
    t.equal(h.s.record('web')?.status, 'healthy');
    t.equal(h.s.record('web')?.error, undefined);
  },
);

t.test('the scheduler: a pod that stops or restarts', async (t) => {
  const h = harness((tg) => (tg.pid === 100 ? PASS : FAIL));
  h.s.update([target('web', 100)], new Set(['web']));
  await h.clock.advance(1000);
  t.equal(h.s.record('web')?.status, 'healthy');
  // Finit restarted it: another runner PID is another run, checked at once, starting again
  h.s.update([target('web', 200)], new Set(['web']));
  t.same(h.events, ['web/100 healthy healthy', 'web/100 gone healthy']);
  t.equal(h.s.record('web')?.pid, 200);
  t.equal(h.s.record('web')?.status, 'starting');
  await h.clock.advance(0);
  t.equal(h.runs.length, 2, 'checked at once');
  // it stops: no more checks, its record kept for status while Finit knows it
  h.s.update([], new Set(['web']));
  t.equal(h.events.at(-1), 'web/200 gone starting');
  t.equal(h.clock.pending(), 0, 'no timer left');
  await h.clock.advance(120_000);
  t.equal(h.runs.length, 2);
  t.ok(h.s.record('web'), 'the record stays');
  h.s.update([], new Set());
  t.equal(h.s.record('web'), undefined, 'dropped once Finit no longer knows the pod');
});

t.test('the scheduler: the result of a check of a run that ended meanwhile is dropped', async (t) => {
  let release: (r: CheckResult) => void = () => undefined;
  const h = harness((tg) => (tg.pid === 100 ? new Promise<CheckResult>((r) => (release = r)) : PASS));
  h.s.update([target('web', 100)], new Set(['web']));
  await h.clock.advance(0);
  h.s.update([target('web', 200)], new Set(['web']));
  release(FAIL);
  await h.clock.advance(0);
  const rec = h.s.record('web')!;
  t.equal(rec.pid, 200);
  t.notOk(
    h.events.some((e) => e.includes('unhealthy')),
    'no event about the old run',
  );
});

t.test('the scheduler: at most maxRunning checks at once', async (t) => {
  const waiting: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const h = harness(
    () =>
      new Promise<CheckResult>((resolve) => {
        running++;
        most = Math.max(most, running);
        waiting.push(() => {
          running--;
          resolve(PASS);
        });
      }),
    { maxRunning: 4 },
  );
  const pods = Array.from({ length: 10 }, (_, i) => target(`p${i}`, 100 + i));
  h.s.update(pods, new Set(pods.map((p) => p.pod)));
  await h.clock.advance(0);
  t.equal(h.runs.length, 4, 'four started');
  while (waiting.length > 0) {
    waiting.shift()!();
    await h.clock.advance(0);
  }
  t.equal(h.runs.length, 10, 'the others as places came free');
  t.equal(most, 4);
});

t.test('the scheduler: a daemon that restarts goes on with the run it knew', async (t) => {
  const checkedAt = new Date(Date.parse('2026-01-01T00:00:00Z') - 10_000).toISOString();
  const resume: Record<string, HealthRecord> = {
    web: { pid: 100, status: 'healthy', failingStreak: 0, startedAt: checkedAt, checkedAt, exitCode: 0 },
    old: { pid: 5, status: 'unhealthy', failingStreak: 3, startedAt: checkedAt, action: 'stop' },
  };
  const h = harness(() => FAIL, { resume });
  h.s.update([target('web', 100)], new Set(['web', 'old']));
  await h.clock.advance(19_000);
  t.equal(h.runs.length, 0, 'its next check is due 30 s after the last one');
  await h.clock.advance(1000);
  t.equal(h.runs.length, 1);
  t.equal(h.s.record('web')?.status, 'healthy', 'one failure is not three');
  t.equal(h.s.record('old')?.action, 'stop', 'a stopped pod keeps its record');
  h.s.note('web', 100, 'kill');
  t.equal(h.s.record('web')?.action, 'kill');
  h.s.note('web', 99, 'stop');
  t.equal(h.s.record('web')?.action, 'kill', 'a note about another run is ignored');
  h.s.stop();
  t.equal(h.clock.pending(), 0);
});

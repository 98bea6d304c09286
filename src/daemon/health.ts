// Health checks without systemd: each running pod with a health check gets one timer, and when it
// fires one check (`podman healthcheck run`, through the injected `run`), on the unit's schedule:
// the startup check until it passed often enough, then the regular one; failures in the start
// period before a first success do not count. Nothing else runs at rest. Pure: the clock, the
// check and what is done about a result are injected, so every schedule is tested with fakes.
// A new runner PID is a new start; a check podman could not run changes no status and is tried
// again soon (a container still being created), never read as healthy or unhealthy.

import type { HealthSpec } from '../model/health.js';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** Where one pod's run stands: RUN_DIR/health.json holds one per pod, for status and doctor. */
export interface HealthRecord {
  /** The runner's PID (Finit's PID of pod:NAME): the run this record is about. */
  pid: number;
  status: HealthStatus;
  /** Failed checks in a row that count. */
  failingStreak: number;
  /** When the daemon saw this run start (ISO 8601): the start period counts from here. */
  startedAt: string;
  /** Startup checks passed so far, while the startup check runs; absent once the regular one does. */
  startupPassed?: number;
  /** The last check that ran: when it ended (ISO 8601), podman's exit code (0 passed, 1 failed) and what it said. */
  checkedAt?: string;
  exitCode?: number;
  output?: string;
  /** Why the last attempt could not run a check (podman failed); absent once one runs. */
  error?: string;
  /** The HealthOnFailure= action (or `restart` after the startup check failed) carried out for this run. */
  action?: 'kill' | 'restart' | 'stop';
}

/** A running pod with a health check, as the daemon found it (the runner's argv copy). */
export interface HealthTarget {
  pod: string;
  pid: number;
  container: string;
  spec: HealthSpec;
  /** Seconds `podman stop` gives the container (StopTimeout=). */
  stopTimeout: number;
  /** Notify=healthy: the usr/ condition set while it is healthy. */
  readyCondition?: string;
}

export interface CheckResult {
  status: 'healthy' | 'unhealthy';
  output: string;
}

export type HealthEvent =
  | { kind: 'healthy' }
  /** `first`: it just turned unhealthy; otherwise a check failed again while it was. */
  | { kind: 'unhealthy'; first: boolean; startup: boolean }
  /** The run ended (stopped, or restarted under another PID). */
  | { kind: 'gone' };

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface HealthHooks {
  /** One check; throws when it could not be run. */
  run(t: HealthTarget, timeoutMs: number): Promise<CheckResult>;
  /** Records changed; `urgent` when a status or an action did (worth writing at once). */
  changed(urgent: boolean): void;
  event(t: HealthTarget, rec: HealthRecord, e: HealthEvent): void;
}

/** A check podman could not run is tried again after this, doubling up to the pod's interval. */
const RETRY_MS = 1000;

const iso = (ms: number) => new Date(ms).toISOString();

/** A new run's record: starting, with the startup check first when there is one. */
export function freshRecord(t: HealthTarget, now: number): HealthRecord {
  const rec: HealthRecord = { pid: t.pid, status: 'starting', failingStreak: 0, startedAt: iso(now) };
  if (t.spec.startup) rec.startupPassed = 0;
  return rec;
}

/** How long after its last check a record's next check is due. */
export const intervalOf = (spec: HealthSpec, rec: HealthRecord): number =>
  rec.startupPassed !== undefined && spec.startup ? spec.startup.intervalMs : spec.intervalMs;

/** What one check that ran makes of a record: the next record, an event, and when to check next. */
export function afterCheck(
  rec: HealthRecord,
  spec: HealthSpec,
  r: CheckResult,
  now: number,
): { rec: HealthRecord; event?: HealthEvent; nextMs: number } {
  const passed = r.status === 'healthy';
  const { error: _, ...base } = rec;
  const next: HealthRecord = { ...base, checkedAt: iso(now), exitCode: passed ? 0 : 1, output: r.output };
  const unhealthy = (streak: number, startup: boolean) => {
    const out: HealthRecord = { ...next, failingStreak: streak, status: 'unhealthy' };
    const event: HealthEvent = { kind: 'unhealthy', first: rec.status !== 'unhealthy', startup };
    return { rec: out, event, nextMs: intervalOf(spec, out) };
  };
  if (rec.startupPassed !== undefined && spec.startup) {
    if (passed) {
      const n = rec.startupPassed + 1;
      if (n < spec.startup.successes)
        return { rec: { ...next, failingStreak: 0, startupPassed: n }, nextMs: spec.startup.intervalMs };
      // passed often enough: the regular check, at once
      const { startupPassed: __, ...regular } = next;
      return { rec: { ...regular, failingStreak: 0 }, nextMs: 0 };
    }
    const streak = rec.failingStreak + 1;
    if (spec.startup.retries > 0 && streak >= spec.startup.retries) return unhealthy(streak, true);
    return { rec: { ...next, failingStreak: streak }, nextMs: spec.startup.intervalMs };
  }
  if (passed) {
    const out: HealthRecord = { ...next, failingStreak: 0, status: 'healthy' };
    return {
      rec: out,
      ...(rec.status !== 'healthy' ? { event: { kind: 'healthy' } } : {}),
      nextMs: spec.intervalMs,
    };
  }
  // the start period forgives failures until the first success
  if (rec.status === 'starting' && now < Date.parse(rec.startedAt) + spec.startPeriodMs)
    return { rec: next, nextMs: spec.intervalMs };
  const streak = rec.failingStreak + 1;
  if (streak >= spec.retries) return unhealthy(streak, false);
  return { rec: { ...next, failingStreak: streak }, nextMs: spec.intervalMs };
}

interface Tracked {
  target: HealthTarget;
  timer?: unknown;
  /** Checks in a row that podman could not run. */
  failedCalls: number;
}

export class HealthScheduler {
  private readonly tracked = new Map<string, Tracked>();
  private readonly records = new Map<string, HealthRecord>();
  private readonly queue: Tracked[] = [];
  private active = 0;

  /**
   * `resume`: the records of an earlier daemon (health.json); a pod still in the same run goes on
   * from its record. `maxRunning`: checks at once, so pods started together do not check together.
   */
  constructor(
    private readonly hooks: HealthHooks,
    private readonly clock: Clock = realClock,
    resume: Readonly<Record<string, HealthRecord>> = {},
    private readonly maxRunning = 4,
  ) {
    for (const [pod, rec] of Object.entries(resume)) this.records.set(pod, rec);
  }

  /** The pod's record, if it has one. */
  record(pod: string): HealthRecord | undefined {
    return this.records.get(pod);
  }

  /** Every pod's record, by pod name. */
  all(): Record<string, HealthRecord> {
    return Object.fromEntries(this.records);
  }

  /** The target a pod is checked as, while it is. */
  target(pod: string): HealthTarget | undefined {
    return this.tracked.get(pod)?.target;
  }

  /**
   * The pods with a health check that run now: a new one (or a new PID) starts its schedule, one
   * no longer there ends it (`gone`). Records of pods not `known` (no longer Finit's) are dropped.
   */
  update(running: readonly HealthTarget[], known: ReadonlySet<string>): void {
    const now = new Map(running.map((t) => [t.pod, t]));
    for (const s of [...this.tracked.values()]) {
      if (now.get(s.target.pod)?.pid !== s.target.pid) this.untrack(s);
    }
    for (const t of running) if (!this.tracked.has(t.pod)) this.track(t);
    for (const pod of [...this.records.keys()]) {
      if (known.has(pod) || this.tracked.has(pod)) continue;
      this.records.delete(pod);
      this.hooks.changed(true);
    }
  }

  /** Notes what was done about a pod's run (its action), if it is still that run. */
  note(pod: string, pid: number, action: NonNullable<HealthRecord['action']>): void {
    const rec = this.records.get(pod);
    if (rec?.pid === pid) this.save(pod, { ...rec, action });
  }

  /** Ends every schedule, with no event (the daemon is stopping; the pods run on). */
  stop(): void {
    for (const s of this.tracked.values()) this.clock.clearTimeout(s.timer);
    this.tracked.clear();
    this.queue.length = 0;
  }

  private save(pod: string, rec: HealthRecord): void {
    const prev = this.records.get(pod);
    this.records.set(pod, rec);
    this.hooks.changed(prev?.status !== rec.status || prev.action !== rec.action || prev.pid !== rec.pid);
  }

  private track(t: HealthTarget): void {
    const now = this.clock.now();
    const old = this.records.get(t.pod);
    const resumed = old?.pid === t.pid;
    const rec = resumed ? old : freshRecord(t, now);
    if (!resumed) this.save(t.pod, rec);
    const s: Tracked = { target: t, failedCalls: 0 };
    this.tracked.set(t.pod, s);
    // podman checks a container as it starts; a run the daemon resumes, when its next check is due
    const due = resumed && rec.checkedAt ? Date.parse(rec.checkedAt) + intervalOf(t.spec, rec) - now : 0;
    this.schedule(s, Math.max(0, due));
  }

  private untrack(s: Tracked): void {
    this.clock.clearTimeout(s.timer);
    this.tracked.delete(s.target.pod);
    const rec = this.records.get(s.target.pod);
    if (rec?.pid === s.target.pid) this.hooks.event(s.target, rec, { kind: 'gone' });
  }

  private schedule(s: Tracked, ms: number): void {
    s.timer = this.clock.setTimeout(() => {
      s.timer = undefined;
      this.queue.push(s);
      this.pump();
    }, ms);
  }

  private pump(): void {
    while (this.active < this.maxRunning && this.queue.length > 0) {
      const s = this.queue.shift()!;
      if (this.tracked.get(s.target.pod) !== s) continue;
      this.active++;
      void this.check(s).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async check(s: Tracked): Promise<void> {
    const t = s.target;
    const before = this.records.get(t.pod)!;
    const startup = before.startupPassed !== undefined ? t.spec.startup : undefined;
    let r: CheckResult;
    try {
      r = await this.hooks.run(t, startup ? startup.timeoutMs : t.spec.timeoutMs);
    } catch (e) {
      if (this.tracked.get(t.pod) !== s) return;
      s.failedCalls++;
      const rec = { ...this.records.get(t.pod)!, error: (e as Error).message };
      this.save(t.pod, rec);
      this.schedule(s, Math.min(intervalOf(t.spec, rec), RETRY_MS * 2 ** (s.failedCalls - 1)));
      return;
    }
    // the run ended (or restarted) while the check ran: its result is about a container that is gone
    if (this.tracked.get(t.pod) !== s) return;
    s.failedCalls = 0;
    const { rec, event, nextMs } = afterCheck(this.records.get(t.pod)!, t.spec, r, this.clock.now());
    this.save(t.pod, rec);
    if (event) this.hooks.event(t, rec, event);
    this.schedule(s, nextMs);
  }
}

// The daemon's health checks wired to the machine. Which pods run comes from Finit's services as
// the daemon's pod watch reads them (only as pods start and stop); what to check, from the HEALTH
// setting of the runner's own copy of the argv file (RUN_DIR/argv/NAME.PID): the schedule that
// run was started with, whatever the units say since. Checks and actions go through the adapters
// (health.ts schedules, health-actions.ts acts), one pod's actions in order; the records go to
// RUN_DIR/health.json, at once when a status changes, else gathered over a few seconds.

import { readIfExists } from '../apply/files.js';
import type { Finit } from '../apply/finit.js';
import { type FinitService, hasProcess } from '../apply/finit-status.js';
import type { Podman } from '../apply/podman.js';
import { parseHealthSetting } from '../model/health.js';
import { runnerCopy } from '../render/labels.js';
import { type Clock, HealthScheduler, type HealthTarget, realClock } from './health.js';
import { type ActionDeps, actOn } from './health-actions.js';
import { readHealth, writeHealth } from './health-state.js';
import type { Logger } from './log.js';

export interface HealthMonitorDeps extends ActionDeps {
  finit: ActionDeps['finit'] & Pick<Finit, 'condGet'>;
  runDir: string;
  podman: ActionDeps['podman'] & Pick<Podman, 'healthcheckRun'>;
  log: Logger;
  clock?: Clock;
  /** How long routine records (a check's time) may wait to be written. */
  writeDelayMs?: number;
}

/** A check's podman call may take this much longer than the check's own timeout, which podman enforces. */
const CALL_MARGIN_MS = 30_000;

/** The settings of a runner's argv copy (KEY=VALUE lines; arguments start with a space, sections with @). */
function settingsOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** The pod's run as the runner started it; null when it has no health check, undefined when its copy cannot be read. */
export function readTarget(runDir: string, pod: string, pid: number): HealthTarget | null | undefined {
  let text: string | undefined;
  try {
    text = readIfExists(runnerCopy(runDir, pod, pid));
  } catch {
    return undefined;
  }
  if (text === undefined) return undefined;
  const s = settingsOf(text);
  const spec = parseHealthSetting(s.get('HEALTH') ?? '');
  if (!spec) return null;
  const t: HealthTarget = {
    pod,
    pid,
    container: s.get('CONTAINER') || pod,
    spec,
    stopTimeout: Number(s.get('STOP_TIMEOUT') ?? 10) || 10,
  };
  // the daemon makes a pod ready only for Notify=healthy; with Notify=true (NOTIFY) the runner does
  const cond = s.get('READY_COND');
  if (cond && !s.get('NOTIFY')) t.readyCondition = cond;
  return t;
}

export class HealthMonitor {
  private readonly scheduler: HealthScheduler;
  private readonly clock: Clock;
  /** Runs known to have no health check (pod → runner PID), so their copy is read once. */
  private readonly unchecked = new Map<string, number>();
  /** Each pod's actions, in order. */
  private readonly acting = new Map<string, Promise<unknown>>();
  private writeTimer: unknown;
  private writeFailed = false;

  constructor(private readonly deps: HealthMonitorDeps) {
    this.clock = deps.clock ?? realClock;
    const resume = readHealth(deps.runDir, (msg) => deps.log.error(msg))?.pods ?? {};
    this.scheduler = new HealthScheduler(
      {
        run: async (t, timeoutMs) => {
          const r = await deps.podman.healthcheckRun(t.container, timeoutMs + CALL_MARGIN_MS);
          const rec = this.scheduler.record(t.pod);
          if (r.status === 'healthy' && rec?.pid === t.pid && rec.status === 'healthy') this.keepReady(t);
          return r;
        },
        changed: (urgent) => this.changed(urgent),
        event: (t, rec, e) =>
          this.act(t.pod, async () => {
            const action = await actOn(t, rec, e, deps);
            if (action) this.scheduler.note(t.pod, t.pid, action);
          }),
      },
      this.clock,
      resume,
    );
  }

  /** Finit's services, as the daemon read them after pods started or stopped. */
  observe(services: readonly FinitService[]): void {
    const running: HealthTarget[] = [];
    const known = new Set<string>();
    for (const svc of services) {
      if (!svc.identity.startsWith('pod:')) continue;
      const pod = svc.identity.slice(4);
      known.add(pod);
      if (!hasProcess(svc) || this.unchecked.get(pod) === svc.pid) continue;
      const current = this.scheduler.target(pod);
      const t = current?.pid === svc.pid ? current : readTarget(this.deps.runDir, pod, svc.pid);
      if (t) running.push(t);
      else if (t === null) this.unchecked.set(pod, svc.pid);
    }
    for (const pod of this.unchecked.keys()) if (!known.has(pod)) this.unchecked.delete(pod);
    this.scheduler.update(running, known);
  }

  /** Ends the schedules and writes the records (the pods run on). */
  async stop(): Promise<void> {
    this.scheduler.stop();
    await Promise.allSettled([...this.acting.values()]);
    this.clock.clearTimeout(this.writeTimer);
    this.write();
  }

  /** Runs one of a pod's actions after those before it. */
  private act(pod: string, fn: () => Promise<void>): void {
    const next = (this.acting.get(pod) ?? Promise.resolve()).then(fn);
    this.acting.set(pod, next);
    void next.finally(() => {
      if (this.acting.get(pod) === next) this.acting.delete(pod);
    });
  }

  /**
   * A pod that stays healthy keeps its ready condition: one whose setting failed, or that was
   * cleared by hand, is set again at the next check that passes, or what waits for it would wait
   * for ever. Reading it costs no call while Finit's condition files are there.
   */
  private keepReady(t: HealthTarget): void {
    const cond = t.readyCondition;
    if (!cond || this.acting.has(t.pod)) return;
    const { finit, log } = this.deps;
    this.act(t.pod, async () => {
      try {
        if (await finit.condGet(cond)) return;
        log.warn(
          { pod: `pod:${t.pod}` },
          `pod:${t.pod} is healthy but usr/${cond} is not set: setting it again`,
        );
        await finit.condSet(cond);
      } catch (e) {
        log.error(
          { pod: `pod:${t.pod}` },
          `pod:${t.pod}: cannot set usr/${cond}: ${(e as Error).message}; tried again at its next check`,
        );
      }
    });
  }

  private changed(urgent: boolean): void {
    if (urgent) {
      this.clock.clearTimeout(this.writeTimer);
      this.writeTimer = this.clock.setTimeout(() => this.write(), 0);
    } else if (this.writeTimer === undefined)
      this.writeTimer = this.clock.setTimeout(() => this.write(), this.deps.writeDelayMs ?? 5000);
  }

  private write(): void {
    this.writeTimer = undefined;
    try {
      writeHealth(this.deps.runDir, this.scheduler.all(), new Date(this.clock.now()));
      this.writeFailed = false;
    } catch (e) {
      if (!this.writeFailed)
        this.deps.log.error(`${(e as Error).message}; status shows older health until it can be written`);
      this.writeFailed = true;
    }
  }
}

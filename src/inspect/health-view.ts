// A pod's health as status and doctor show it: the daemon's record of its run (RUN_DIR/health.json)
// when it is about the run Finit has now (or the last one, when the pod is not running), else the
// run has not been checked yet: starting. Absent for a pod without a health check.

import type { HealthRecord } from '../daemon/health.js';

export interface HealthView {
  status: HealthRecord['status'];
  /** Failed checks in a row that count toward HealthRetries=. */
  failingStreak: number;
  /** When the last check ended (ISO 8601), podman's exit code (0 passed, 1 failed) and what it said. */
  checkedAt?: string;
  exitCode?: number;
  output?: string;
  /** Why the daemon could not run the last check. */
  error?: string;
  /** What finit-pods did about it being unhealthy (HealthOnFailure=). */
  action?: HealthRecord['action'];
}

/** The view of a pod with a health check, given its record and Finit's PID of it (0: not running). */
export function healthView(rec: HealthRecord | undefined, pid: number | undefined): HealthView {
  if (!rec || (pid !== undefined && pid > 0 && rec.pid !== pid))
    return { status: 'starting', failingStreak: 0 };
  const v: HealthView = { status: rec.status, failingStreak: rec.failingStreak };
  for (const k of ['checkedAt', 'exitCode', 'output', 'error', 'action'] as const)
    if (rec[k] !== undefined) Object.assign(v, { [k]: rec[k] });
  return v;
}

const DONE: Record<NonNullable<HealthView['action']>, string> = {
  kill: 'finit-pods killed its container (HealthOnFailure=kill) so that Finit restarts it',
  restart: 'finit-pods stopped its container (HealthOnFailure=restart) so that Finit restarts it',
  stop: 'finit-pods stopped it (HealthOnFailure=stop); initctl start POD starts it again',
};

/** One sentence when the pod is unhealthy: what failed, when, and what finit-pods did about it. */
export function healthProblem(pod: string, h: HealthView | undefined): string | undefined {
  if (h?.status !== 'unhealthy') return undefined;
  const last = [h.checkedAt && `last at ${h.checkedAt}`, h.output && `podman: ${h.output}`].filter(Boolean);
  const what = `unhealthy: its health check failed ${h.failingStreak} time${h.failingStreak === 1 ? '' : 's'} in a row${last.length ? ` (${last.join('; ')})` : ''}`;
  return h.action ? `${what}; ${DONE[h.action].replace('POD', `pod:${pod}`)}` : what;
}

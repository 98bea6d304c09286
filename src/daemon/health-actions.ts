// What the daemon does about a pod's health (daemon/health.ts events), the way a Finit user
// expects: HealthOnFailure=kill and =restart end the container (`podman kill`, `podman stop`), so
// its runner exits and Finit restarts the pod, counting it and giving up on one that keeps
// crashing; =stop has Finit stop the pod (`initctl stop`), said in the log and in status; =none
// only records it. A failed startup check (HealthStartupRetries=) restarts, as podman would.
// Notify=healthy: the pod's usr/ condition is set while it is healthy, so what waits for it starts
// then, and cleared as it turns unhealthy or ends. Every call goes through the adapters; one that
// fails is logged and tried again at the next check that fails (the ready condition's setting, at
// the next that passes: health-monitor.ts keepReady).

import type { Finit } from '../apply/finit.js';
import type { Podman } from '../apply/podman.js';
import type { HealthEvent, HealthRecord, HealthTarget } from './health.js';
import type { Logger } from './log.js';

export interface ActionDeps {
  podman: Pick<Podman, 'kill' | 'stop'>;
  finit: Pick<Finit, 'condSet' | 'condClear' | 'stop'>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** What a failed check said, for the log. */
const said = (rec: HealthRecord) =>
  `its health check failed ${rec.failingStreak} time${rec.failingStreak === 1 ? '' : 's'} in a row${rec.output ? ` (podman: ${rec.output})` : ''}`;

/** Does what an event asks; returns the HealthOnFailure= action carried out, if one was. */
export async function actOn(
  t: HealthTarget,
  rec: HealthRecord,
  e: HealthEvent,
  deps: ActionDeps,
): Promise<HealthRecord['action']> {
  const id = `pod:${t.pod}`;
  const { log } = deps;
  const cond = async (set: boolean) => {
    if (!t.readyCondition) return;
    try {
      await (set ? deps.finit.condSet(t.readyCondition) : deps.finit.condClear(t.readyCondition));
    } catch (err) {
      log.error(
        { pod: id },
        `${id}: cannot ${set ? 'set' : 'clear'} usr/${t.readyCondition}: ${(err as Error).message}`,
      );
    }
  };
  if (e.kind === 'healthy') {
    log.info(
      { pod: id },
      `${id} is healthy${t.readyCondition ? `: ready (usr/${t.readyCondition} set)` : ''}`,
    );
    await cond(true);
    return undefined;
  }
  if (e.kind === 'gone') {
    // the runner clears it too as it ends, but not when it was killed
    if (rec.status === 'healthy') await cond(false);
    return undefined;
  }
  const action = e.startup ? 'restart' : t.spec.onFailure;
  if (e.first) {
    await cond(false);
    const why = e.startup ? `its startup check failed ${rec.failingStreak} times in a row` : said(rec);
    log[action === 'none' ? 'warn' : 'error']({ pod: id }, `${id} is unhealthy: ${why}`);
  }
  try {
    if (action === 'none') return undefined;
    if (action === 'stop') {
      await deps.finit.stop(id);
      log.error(
        { pod: id },
        `${id} stopped because it is unhealthy (HealthOnFailure=stop); initctl start ${id} starts it again`,
      );
      return 'stop';
    }
    if (action === 'kill') await deps.podman.kill(t.container);
    else await deps.podman.stop(t.container, t.stopTimeout);
    log.info(
      { pod: id },
      `${id}: container ${t.container} ${action === 'kill' ? 'killed' : 'stopped'} because it is unhealthy; Finit restarts the pod`,
    );
    return action;
  } catch (err) {
    log.error(
      { pod: id },
      `${id} is unhealthy and ${action === 'stop' ? 'initctl stop' : `podman ${action === 'kill' ? 'kill' : 'stop'}`} failed: ${(err as Error).message}; tried again at its next failed check`,
    );
    return undefined;
  }
}

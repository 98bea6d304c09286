// When an updated pod counts as healthy: Finit runs pod:NAME, its container runs the expected
// image, and either its healthcheck passes (`podman healthcheck run`, through the adapter) or,
// without one, it has been running for `stableMs`. Until the deadline a failed reading is "not
// yet": the pod may be between two containers. This one function decides it, so the daemon's
// own health state can take its place.

import type { Finit } from '../apply/finit.js';
import type { Podman } from '../apply/podman.js';
import { CommandError } from '../apply/run.js';

export interface ReadyDeps {
  finit: Finit;
  podman: Podman;
  finitVersion: string;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** How long a container without a healthcheck must run to count (ms). */
  stableMs: number;
  /** Between two looks (ms). */
  pollMs: number;
}

/** The default time an updated pod has to become healthy. */
export const DEFAULT_UPDATE_TIMEOUT_MS = 120_000;

/** One `healthcheck run` may take the check's own timeout (podman's default 30 s) and more. */
const HEALTHCHECK_TIMEOUT_MS = 90_000;

export async function waitHealthy(
  pod: string,
  container: string,
  image: string,
  deadline: number,
  deps: ReadyDeps,
): Promise<{ healthy: true } | { healthy: false; why: string }> {
  let why = 'not looked at before the deadline';
  for (;;) {
    try {
      const found = await lookOnce(pod, container, image, deps);
      if (found === undefined) return { healthy: true };
      why = found;
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      why = e.message;
    }
    if (deps.now() >= deadline) return { healthy: false, why };
    await deps.sleep(Math.min(deps.pollMs, Math.max(0, deadline - deps.now())));
  }
}

/** Undefined when healthy, else why not (yet). */
async function lookOnce(pod: string, container: string, image: string, deps: ReadyDeps) {
  const ident = `pod:${pod}`;
  const svc = (await deps.finit.services(deps.finitVersion, [ident])).find((s) => s.identity === ident);
  if (svc?.status !== 'running') return `Finit says ${svc?.status ?? `it does not know pod:${pod}`}`;
  const c = await deps.podman.inspectContainer(container);
  if (!c) return 'its container is not there';
  if (c.imageId !== image) return `its container runs image ${c.imageId.slice(0, 12)}`;
  if (c.state !== 'running') return `its container is ${c.state}`;
  if (c.hasHealthcheck) {
    const h = await deps.podman.healthcheckRun(container, HEALTHCHECK_TIMEOUT_MS);
    return h.status === 'healthy' ? undefined : `its healthcheck fails${h.output ? `: ${h.output}` : ''}`;
  }
  const up = c.startedAt === undefined ? 0 : deps.now() - c.startedAt;
  return up >= deps.stableMs ? undefined : `running for ${Math.round(up / 1000)} s only`;
}

// finit-pods auto-update, the whole run: translate the units, find the pods with a policy, look at
// what runs and what is offered, plan, then carry the plan out under the applier lock (one
// applier at a time: sync and doctor --fix wait for it). With --dry-run only the plan is made,
// and nothing is written or pulled.

import type { Finit } from '../apply/finit.js';
import { withLock } from '../apply/lock.js';
import type { Podman } from '../apply/podman.js';
import { translateDir } from '../model/translate.js';
import { finitCaps } from '../render/finit.js';
import { type UpdateCandidate, updateCandidates } from './candidates.js';
import { carryOutUpdates, reportOf, type UpdateReport } from './execute.js';
import { observe } from './observe.js';
import { planUpdates, type UpdateStep } from './plan.js';
import { readUpdates, type UpdateState, writeUpdates } from './state.js';

export interface AutoUpdateConfig {
  unitsDir: string;
  runDir: string;
  /** Persistent state (updates.json). */
  stateDir: string;
  /** How long an updated pod has to become healthy (ms). */
  timeoutMs: number;
}

export interface AutoUpdateDeps {
  finit: Finit;
  podman: Podman;
  log?: (level: 'info' | 'error', message: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How long a container without a healthcheck must run to count as healthy (ms). */
  stableMs?: number;
}

const STABLE_MS = 5_000;
const POLL_MS = 250;
const PULL_TIMEOUT_MS = 30 * 60_000;
/** How long a run waits for a sync to finish applying. */
const LOCK_WAIT_MS = 300_000;

export async function autoUpdate(
  cfg: AutoUpdateConfig,
  deps: AutoUpdateDeps,
  opts: { dryRun?: boolean; resumeOnly?: boolean } = {},
): Promise<UpdateReport[]> {
  const log = deps.log ?? (() => undefined);
  const finitVersion = await deps.finit.version();
  const plan = async (readOnly: boolean): Promise<{ steps: UpdateStep[]; state: UpdateState }> => {
    const state = readUpdates(cfg.stateDir, readOnly ? undefined : (m) => log('error', m));
    if (opts.resumeOnly) return { steps: planUpdates([], new Map(), state), state };
    const { results } = translateDir(cfg.unitsDir, { maxPodName: finitCaps(finitVersion).maxId });
    const candidates = updateCandidates(results);
    const valid = candidates.filter((c): c is UpdateCandidate => !('error' in c));
    const observed = await observe(
      valid.filter((c) => !state.pending[c.pod]),
      deps.podman,
    );
    return { steps: planUpdates(candidates, observed, state), state };
  };
  if (opts.dryRun) return (await plan(true)).steps.map((s) => reportOf(s, true));
  return withLock(
    cfg.runDir,
    async () => {
      const { steps, state } = await plan(false);
      const now = deps.now ?? Date.now;
      return carryOutUpdates(steps, {
        finit: deps.finit,
        podman: deps.podman,
        finitVersion,
        now,
        sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
        stableMs: deps.stableMs ?? Math.min(STABLE_MS, cfg.timeoutMs / 2),
        pollMs: POLL_MS,
        timeoutMs: cfg.timeoutMs,
        pullTimeoutMs: PULL_TIMEOUT_MS,
        state,
        save: (s) => writeUpdates(cfg.stateDir, s),
        log,
      });
    },
    { waitMs: LOCK_WAIT_MS },
  );
}

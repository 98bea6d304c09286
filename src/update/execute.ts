// Carries out the planned updates (plan.ts), one pod at a time, through the adapters. The order
// keeps a pod's reference on an image that is here at every moment, so a power cut anywhere leaves
// the pod on the old image or the new one, never on none:
//  1. the running image gets a tag of ours (PREVIOUS), so nothing may remove it, and updates.json
//     records the update before anything moves;
//  2. the new image is pulled (or loaded, or is here already) and the reference moved to it, as
//     one podman call each, and the pod is restarted through Finit;
//  3. healthy within the timeout: the update is confirmed (PREVIOUS dropped, the record gone);
//     not healthy: the reference goes back to the previous image ID, the pod is restarted on it,
//     and the offer is recorded as failed, so it is not tried again until it changes.
// An update found in updates.json at the next run (a power cut) is settled the same way.

import type { Finit } from '../apply/finit.js';
import type { Podman } from '../apply/podman.js';
import { callFailure } from '../apply/run.js';
import type { UpdateCandidate } from './candidates.js';
import type { Offer, UpdateStep } from './plan.js';
import { type ReadyDeps, waitHealthy } from './ready.js';
import { type PendingUpdate, recordFailure, type UpdateState } from './state.js';

export interface ExecuteDeps extends ReadyDeps {
  finit: Finit;
  podman: Podman;
  /** How long an updated pod has to become healthy (ms). */
  timeoutMs: number;
  /** How long a pull may take (ms). */
  pullTimeoutMs: number;
  /** updates.json as read before the plan; saved after every change (power cuts). */
  state: UpdateState;
  save: (s: UpdateState) => void;
  log: (level: 'info' | 'error', message: string) => void;
}

export type UpdateResult = 'updated' | 'rolled back' | 'current' | 'pending' | 'skipped' | 'failed';

export interface UpdateReport {
  pod: string;
  file?: string;
  policy?: string;
  ref?: string;
  result: UpdateResult;
  /** The image the pod runs afterwards (or would, with --dry-run). */
  image?: string;
  message: string;
}

/** The tag that keeps a pod's previous image until its update is confirmed. */
export const previousTag = (pod: string) => `localhost/finit-pods/previous/${pod}:latest`;

/** The registry options this podman's pull has (--retry and --retry-delay came with Podman 5). */
export function pullOptions(options: readonly string[], podmanVersion: string): string[] {
  const major = Number(podmanVersion.split('.')[0]);
  return major >= 5 ? [...options] : options.filter((o) => !/^--retry(-delay)?=/.test(o));
}

/** The report of a step that changes nothing (dry run, or nothing to do). */
export function reportOf(step: UpdateStep, dryRun: boolean): UpdateReport {
  if (step.kind === 'resume')
    return {
      pod: step.pod,
      ref: step.pending.ref,
      result: 'pending',
      message: `an update to ${step.pending.offer} was interrupted; it is settled first`,
    };
  if (step.kind === 'error') return { pod: step.pod, file: step.file, result: 'failed', message: step.why };
  const c = step.candidate;
  const base = { pod: c.pod, file: c.file, policy: c.policy, ref: c.ref };
  if (step.kind === 'current') return { ...base, result: 'current', message: 'up to date' };
  if (step.kind === 'skip') return { ...base, result: 'skipped', message: step.why };
  return {
    ...base,
    result: 'pending',
    message: `${dryRun ? 'an update is available' : 'to update'}: ${step.offer.key}`,
  };
}

export async function carryOutUpdates(
  steps: readonly UpdateStep[],
  deps: ExecuteDeps,
): Promise<UpdateReport[]> {
  const out: UpdateReport[] = [];
  let version: string | undefined;
  for (const step of steps) {
    if (step.kind === 'resume') out.push(await resume(step.pod, step.container, step.pending, deps));
    else if (step.kind !== 'update') {
      const r = reportOf(step, false);
      // a pod that could not be checked (a registry out of reach) is said in the daemon's log too
      if (r.result === 'failed') deps.log('error', `pod:${r.pod}: ${r.message}`);
      out.push(r);
    } else {
      // a podman that does not say its version gets the options every podman has
      version ??= await deps.podman.version().catch(() => '0');
      out.push(await update(step.candidate, step.from, step.offer, version, deps));
    }
  }
  return out;
}

async function update(
  c: UpdateCandidate,
  from: string,
  offer: Offer,
  podmanVersion: string,
  deps: ExecuteDeps,
): Promise<UpdateReport> {
  const { podman, state } = deps;
  const base = { pod: c.pod, file: c.file, policy: c.policy, ref: c.ref };
  const pending: PendingUpdate = { ref: c.ref, previous: from, offer: offer.key, startedAt: iso(deps) };
  let image: string;
  try {
    await podman.tag(from, previousTag(c.pod));
    state.pending[c.pod] = pending;
    deps.save(state);
    image = await fetchImage(c, offer, podmanVersion, deps);
  } catch (e) {
    // nothing moved, or the reference moved to an image that is here: either runs
    const why = callFailure(e);
    await settle(c.pod, deps);
    return done(deps, c.pod, {
      ...base,
      result: 'failed',
      image: from,
      message: `${why}; tried again later`,
    });
  }
  if (image === from) {
    await settle(c.pod, deps);
    return done(deps, c.pod, { ...base, result: 'current', image, message: 'up to date' });
  }
  pending.image = image;
  deps.save(state);
  deps.log('info', `pod:${c.pod}: updating ${c.ref} from ${short(from)} to ${short(image)} (${offer.key})`);
  return confirmOrRollBack(
    c.pod,
    c.container,
    pending,
    { ...base, result: 'updated', message: '' },
    deps,
    true,
  );
}

/** Pulls, loads or finds the offered image and moves the reference to it: the new image's ID. */
async function fetchImage(c: UpdateCandidate, offer: Offer, podmanVersion: string, deps: ExecuteDeps) {
  const { podman } = deps;
  if (c.source.kind === 'local') return offer.image ?? c.ref;
  if (c.source.kind === 'registry') {
    const id = await podman.pull(
      c.source.pull,
      pullOptions(c.source.options, podmanVersion),
      deps.pullTimeoutMs,
    );
    if (c.source.pull !== c.ref) await podman.tag(id, c.ref);
    return id;
  }
  let id = offer.image;
  if (!id) {
    const loaded = await podman.load(c.source.path);
    id = (await podman.inspectImage(loaded))?.id ?? loaded;
    await podman.tag(id, offer.key);
  }
  await podman.tag(id, c.ref);
  return id;
}

/**
 * The pod restarted on `pending.image` (unless `restart` is false: it is starting by itself after a
 * boot): confirmed when healthy in time, else rolled back to `pending.previous`.
 */
async function confirmOrRollBack(
  pod: string,
  container: string,
  pending: PendingUpdate,
  report: UpdateReport,
  deps: ExecuteDeps,
  restart: boolean,
): Promise<UpdateReport> {
  const image = pending.image!;
  const started = deps.now();
  let health: Awaited<ReturnType<typeof waitHealthy>>;
  try {
    if (restart) await deps.finit.restart(`pod:${pod}`);
    health = await waitHealthy(pod, container, image, started + deps.timeoutMs, deps);
  } catch (e) {
    health = { healthy: false, why: callFailure(e) };
  }
  if (health.healthy) {
    await settle(pod, deps);
    const secs = ((deps.now() - started) / 1000).toFixed(1);
    return done(deps, pod, {
      ...report,
      result: 'updated',
      image,
      message: `healthy on ${short(image)} after ${secs} s`,
    });
  }
  const why = `not healthy within ${Math.round(deps.timeoutMs / 1000)} s: ${health.why}`;
  deps.log(
    'error',
    `pod:${pod}: ${pending.offer} (${short(image)}) ${why}; rolling back to ${short(pending.previous)}`,
  );
  let back = `rolled back to ${short(pending.previous)}`;
  try {
    await deps.podman.tag(pending.previous, pending.ref);
    await deps.finit.restart(`pod:${pod}`);
    const again = await waitHealthy(pod, container, pending.previous, deps.now() + deps.timeoutMs, deps);
    if (!again.healthy) back += `, which is not healthy either: ${again.why}`;
  } catch (e) {
    // the record stays: the next run settles it again
    const message = `${why}; rolling back failed: ${callFailure(e)}`;
    return done(deps, pod, { ...report, result: 'failed', message }, false);
  }
  recordFailure(deps.state, pod, {
    offer: pending.offer,
    image,
    rolledBackTo: pending.previous,
    at: iso(deps),
    why,
  });
  await settle(pod, deps);
  return done(deps, pod, {
    ...report,
    result: 'rolled back',
    image: pending.previous,
    message: `update to ${pending.offer} failed (${why}); ${back}; not tried again until it changes`,
  });
}

/** An update found in updates.json: settled as the run that started it would have. */
async function resume(
  pod: string,
  container: string,
  pending: PendingUpdate,
  deps: ExecuteDeps,
): Promise<UpdateReport> {
  const report: UpdateReport = { pod, ref: pending.ref, result: 'updated', message: '' };
  let now: string | undefined;
  try {
    now = (await deps.podman.inspectImage(pending.ref))?.id;
  } catch (e) {
    return { ...report, result: 'failed', message: `cannot settle an interrupted update: ${callFailure(e)}` };
  }
  if (!pending.image || now !== pending.image) {
    // it stopped before the reference moved, or after it went back: the pod is on the old image
    await settle(pod, deps);
    return done(deps, pod, {
      ...report,
      result: 'failed',
      image: pending.previous,
      message: `an update to ${pending.offer} was interrupted before it started; tried again later`,
    });
  }
  deps.log('info', `pod:${pod}: settling an interrupted update to ${short(pending.image)}`);
  return confirmOrRollBack(pod, container, pending, report, deps, false);
}

/** The update is over: PREVIOUS dropped and its record removed (a failed untag is only logged). */
async function settle(pod: string, deps: ExecuteDeps): Promise<void> {
  try {
    await deps.podman.untag(previousTag(pod));
  } catch (e) {
    deps.log('error', `pod:${pod}: ${callFailure(e)}`);
  }
  delete deps.state.pending[pod];
  deps.save(deps.state);
}

/** Records the outcome for status and doctor, logs it, and returns the report. */
function done(deps: ExecuteDeps, pod: string, r: UpdateReport, save = true): UpdateReport {
  if (r.result === 'updated' || r.result === 'rolled back' || r.result === 'failed') {
    deps.state.last[pod] = {
      at: iso(deps),
      result: r.result,
      ...(r.image ? { image: r.image } : {}),
      message: r.message,
    };
    if (save) deps.save(deps.state);
    deps.log(r.result === 'updated' ? 'info' : 'error', `pod:${pod}: ${r.result}: ${r.message}`);
  }
  return r;
}

const iso = (deps: ExecuteDeps) => new Date(deps.now()).toISOString();
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

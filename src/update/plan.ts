// Which pods have an update, from what was observed (observe.ts) and what updates.json remembers:
// pure, so `auto-update --dry-run` prints exactly what `auto-update` would do. A pod has an update
// when the image it runs is not what its source offers now, the offer did not fail before, and the
// pod is running (podman auto-update updates running containers only). An update interrupted by a
// power cut is finished first.

import type { UpdateCandidate } from './candidates.js';
import { failedBefore, type PendingUpdate, type UpdateState } from './state.js';

/** What a pod's source offers now. */
export interface Offer {
  /** What identifies it (a registry digest, an archive's identity tag, a local image ID): failures are kept by it. */
  key: string;
  /** The offered image's ID, when it is here already. */
  image?: string;
  /** Whether the pod's image is this offer already (a registry digest among its digests). */
  current: boolean;
}

/** What the reading edge saw for one candidate; a failed reading is its error text. */
export interface Observation {
  /** The pod's container: absent when there is none. */
  container?: { id: string; imageId: string; running: boolean };
  offer: Offer | { error: string };
}

export type UpdateStep =
  | { kind: 'update'; candidate: UpdateCandidate; from: string; offer: Offer }
  | { kind: 'resume'; pod: string; container: string; pending: PendingUpdate }
  | { kind: 'current'; candidate: UpdateCandidate }
  | { kind: 'skip'; candidate: UpdateCandidate; why: string }
  | { kind: 'error'; pod: string; file: string; why: string };

/**
 * One step per candidate (and per unit that cannot be a candidate), interrupted updates first. A
 * pod with an interrupted update gets no other step this time: the resumed one settles it.
 */
export function planUpdates(
  candidates: readonly (UpdateCandidate | { pod: string; file: string; error: string })[],
  observed: ReadonlyMap<string, Observation>,
  state: UpdateState,
): UpdateStep[] {
  const steps: UpdateStep[] = [];
  const byPod = new Map(candidates.map((c) => [c.pod, c]));
  for (const [pod, pending] of Object.entries(state.pending)) {
    const c = byPod.get(pod);
    // the unit may be gone: the reference still goes back unless the new image is confirmed
    steps.push({ kind: 'resume', pod, container: c && 'container' in c ? c.container : pod, pending });
  }
  for (const c of candidates) {
    if (state.pending[c.pod]) continue;
    if ('error' in c) {
      steps.push({ kind: 'error', pod: c.pod, file: c.file, why: c.error });
      continue;
    }
    const o = observed.get(c.pod);
    if (!o) {
      steps.push({ kind: 'error', pod: c.pod, file: c.file, why: 'not looked at' });
      continue;
    }
    if (!o.container?.running) {
      steps.push({ kind: 'skip', candidate: c, why: 'not running: only a running pod is updated' });
      continue;
    }
    if ('error' in o.offer) {
      steps.push({ kind: 'error', pod: c.pod, file: c.file, why: o.offer.error });
      continue;
    }
    const offer = o.offer;
    if (offer.current || offer.image === o.container.imageId) {
      steps.push({ kind: 'current', candidate: c });
      continue;
    }
    const failed = failedBefore(state, c.pod, offer.key);
    if (failed) {
      steps.push({
        kind: 'skip',
        candidate: c,
        why: `${offer.key} failed at ${failed.at} (${failed.why}); not tried again until it changes`,
      });
      continue;
    }
    steps.push({ kind: 'update', candidate: c, from: o.container.imageId, offer });
  }
  return steps;
}

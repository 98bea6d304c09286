// The reading edge of auto-update: for each candidate, the image its container runs and what its
// source offers, through the Podman adapter. A call that fails is that pod's error (a registry
// that cannot be reached is "cannot check", never "no update"); it never stops the other pods.

import { archiveImage } from '../apply/archive.js';
import type { Podman } from '../apply/podman.js';
import { callFailure } from '../apply/run.js';
import type { UpdateCandidate } from './candidates.js';
import type { Observation, Offer } from './plan.js';

export async function observe(
  candidates: readonly UpdateCandidate[],
  podman: Podman,
): Promise<Map<string, Observation>> {
  const out = new Map<string, Observation>();
  for (const c of candidates) {
    let container: Observation['container'];
    try {
      const d = await podman.inspectContainer(c.container);
      if (d) container = { id: d.id, imageId: d.imageId, running: d.state === 'running' };
    } catch (e) {
      out.set(c.pod, { offer: { error: callFailure(e) } });
      continue;
    }
    // an offer is looked for only for a running pod: nothing else would be updated
    const offer = container?.running ? await offered(c, container.imageId, podman) : { error: 'not running' };
    out.set(c.pod, container ? { container, offer } : { offer });
  }
  return out;
}

async function offered(
  c: UpdateCandidate,
  running: string,
  podman: Podman,
): Promise<Offer | { error: string }> {
  try {
    if (c.source.kind === 'registry') {
      const key = await podman.remoteDigest(c.source.pull, c.source.options);
      const mine = await podman.inspectImage(running);
      return { key, current: mine?.digests.includes(key) ?? false };
    }
    if (c.source.kind === 'local') {
      const img = await podman.inspectImage(c.ref);
      if (!img) return { error: `${c.ref} is not in local storage` };
      return { key: img.id, image: img.id, current: img.id === running };
    }
    const a = archiveImage(`oci-archive:${c.source.path}`);
    if (!a || 'error' in a) return { error: a?.error ?? `${c.source.path} is not an archive` };
    // loaded before (by sync or an earlier update): its identity tag names the image
    const img = await podman.inspectImage(a.tag);
    return img ? { key: a.tag, image: img.id, current: img.id === running } : { key: a.tag, current: false };
  } catch (e) {
    const why = callFailure(e);
    return { error: c.source.kind === 'registry' ? `cannot check ${c.source.pull}: ${why}` : why };
  }
}

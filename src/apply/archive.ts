// Image=oci-archive:/path or docker-archive:/path: podman would read the archive again at every
// start, so finit-pods loads it once and runs it under a tag of its own. A pod without an
// AutoUpdate= policy runs the tag made from the archive's identity (path, size, modification
// time): a new archive gives a new tag, so sync restarts the pod with it. A pod with one runs a tag
// made from the path alone, which only auto-update moves, so a new archive gets a health check
// and a rollback.

import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { autoUpdatePolicy } from '../model/autoupdate.js';
import type { ContainerModel } from '../model/container.js';

const ARCHIVE = /^(oci-archive|docker-archive):(\/[^:]+)(?::.*)?$/;

const short = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** An archive's identity tag (`tag`), or why it cannot be had; undefined when `image` is not an archive. */
export function archiveImage(image: string): { tag: string; path: string } | { error: string } | undefined {
  const m = image.match(ARCHIVE);
  if (!m) return undefined;
  const path = m[2]!;
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return { error: `image archive ${path} does not exist` };
  }
  return { tag: `localhost/finit-pods/archive-${short(`${path}\0${st.size}\0${st.mtimeMs}`)}:latest`, path };
}

/** The tag a pod that auto-updates from the archive at `path` runs. */
export const followedArchiveTag = (path: string): string =>
  `localhost/finit-pods/archive-path-${short(path)}:latest`;

/**
 * The archive a pod's image comes from: `tag` is what its podman run names, `identity` the
 * archive's identity tag (the same as `tag` unless the pod auto-updates).
 */
export function podArchive(
  m: Pick<ContainerModel, 'image' | 'runArgs'>,
): { tag: string; path: string; identity: string } | { error: string } | undefined {
  const a = archiveImage(m.image);
  if (!a || 'error' in a) return a;
  const follows = autoUpdatePolicy(m) !== undefined;
  return { tag: follows ? followedArchiveTag(a.path) : a.tag, path: a.path, identity: a.tag };
}

// The Podman adapter: the few podman calls finit-pods makes, each with a timeout and parsed
// output. Everything else about podman lives in the argv the model renders.

import type { Runner, RunResult } from './run.js';

export interface ContainerInfo {
  id: string;
  names: string[];
  state: string;
  image: string;
  labels: Record<string, string>;
}

/** The local images: their names (repo:tag, and repo@digest) and IDs. */
export interface LocalImages {
  names: Set<string>;
  ids: Set<string>;
}

export interface Podman {
  /** Every container (`ps -a`); with `external`, also storage-only ones no podman database knows. */
  containers(external?: boolean): Promise<ContainerInfo[]>;
  /** Force-removes containers (`rm -f -t 0`, or `rm --storage` for storage-only ones); returns podman's error text, if any. */
  remove(ids: string[], storage?: boolean): Promise<string | undefined>;
  /** Stops containers gently (SIGTERM, SIGKILL after `seconds`) and removes them (`rm -f -t SECONDS`). */
  stopAndRemove(ids: string[], seconds: number): Promise<string | undefined>;
  /**
   * Force-removes every container carrying the label `key=value` (`rm -f -t 0 --filter label=…`),
   * without listing them first: the IDs podman removed, and its error text, if any.
   */
  removeLabelled(key: string, value: string): Promise<{ ids: string[]; error?: string }>;
  /** Containers removed since `since`, from podman's event log (`events --stream=false`). */
  removedSince(since: Date): Promise<Map<string, { name: string; labels: Record<string, string> }>>;
  /** Names (repo:tag and repo@digest) and IDs of every local image. */
  images(): Promise<LocalImages>;
  /** Loads an image archive; returns the loaded image's ID. */
  load(path: string): Promise<string>;
  tag(id: string, name: string): Promise<void>;
}

export class PodmanError extends Error {}

interface PsRow {
  Id?: string;
  ID?: string;
  Names?: string[] | string | null;
  State?: string;
  Image?: string;
  Labels?: Record<string, string> | null;
}

export function parsePs(json: string): ContainerInfo[] {
  const rows = (JSON.parse(json || '[]') ?? []) as PsRow[];
  return rows.map((r) => ({
    id: r.Id ?? r.ID ?? '',
    names: Array.isArray(r.Names) ? r.Names : r.Names ? [r.Names] : [],
    state: (r.State ?? '').toLowerCase(),
    image: r.Image ?? '',
    labels: r.Labels ?? {},
  }));
}

/** What `podman ps -a --format json` answered, as containers; a failed call throws. */
export function psContainers(r: RunResult): ContainerInfo[] {
  if (r.exitCode !== 0) throw new PodmanError(`podman ps failed: ${r.stderr.trim()}`);
  return parsePs(r.stdout);
}

interface EventRow {
  ID?: string;
  Name?: string;
  Status?: string;
  Attributes?: Record<string, string> | null;
}

/** `podman events --format json`: one JSON object a line (an array is read too). */
export function parseRemoveEvents(
  out: string,
): Map<string, { name: string; labels: Record<string, string> }> {
  const m = new Map<string, { name: string; labels: Record<string, string> }>();
  const text = out.trim();
  let rows: EventRow[];
  if (text.startsWith('[')) rows = JSON.parse(text) as EventRow[];
  else {
    rows = [];
    for (const line of text.split('\n')) {
      try {
        if (line.trim()) rows.push(JSON.parse(line) as EventRow);
      } catch {
        // not an event line
      }
    }
  }
  for (const e of rows) {
    if (!e.ID || (e.Status && e.Status !== 'remove')) continue;
    m.set(e.ID, { name: e.Name ?? '', labels: e.Attributes ?? {} });
  }
  return m;
}

/** podman's error text when a call failed (its exit code when it said nothing), else undefined. */
const failure = (r: RunResult): string | undefined =>
  r.exitCode === 0 ? undefined : (r.stderr || r.stdout).trim() || `exit ${r.exitCode}`;

export function podmanCli(podman: string, exec: Runner): Podman {
  const call = async (args: string[], timeoutMs = 60_000) => {
    const r = await exec(podman, args, { timeoutMs });
    if (r.timedOut) throw new PodmanError(`podman ${args[0]} timed out after ${timeoutMs / 1000} s`);
    return r;
  };
  return {
    async containers(external = false) {
      return psContainers(await call(['ps', '-a', ...(external ? ['--external'] : []), '--format', 'json']));
    },
    async remove(ids, storage = false) {
      if (ids.length === 0) return undefined;
      return failure(
        await call(storage ? ['rm', '--storage', ...ids] : ['rm', '-f', '-t', '0', ...ids], 120_000),
      );
    },
    async stopAndRemove(ids, seconds) {
      if (ids.length === 0) return undefined;
      return failure(await call(['rm', '-f', '-t', String(seconds), ...ids], 120_000 + seconds * 1000));
    },
    async removeLabelled(key, value) {
      const r = await call(['rm', '-f', '-t', '0', '--filter', `label=${key}=${value}`], 120_000);
      const ids = r.stdout.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l));
      if (r.exitCode === 0) return { ids };
      return { ids, error: (r.stderr || r.stdout).trim() || `exit ${r.exitCode}` };
    },
    async removedSince(since) {
      const r = await call([
        'events',
        '--stream=false',
        '--since',
        since.toISOString(),
        '--filter',
        'type=container',
        '--filter',
        'event=remove',
        '--format',
        'json',
      ]);
      if (r.exitCode !== 0) throw new PodmanError(`podman events failed: ${r.stderr.trim()}`);
      return parseRemoveEvents(r.stdout);
    },
    async images() {
      const r = await call(['images', '--format', 'json']);
      if (r.exitCode !== 0) throw new PodmanError(`podman images failed: ${r.stderr.trim()}`);
      const rows = (JSON.parse(r.stdout || '[]') ?? []) as {
        Id?: string;
        Names?: string[] | null;
        RepoDigests?: string[] | null;
      }[];
      const names = new Set<string>();
      const ids = new Set<string>();
      for (const row of rows) {
        if (row.Id) ids.add(row.Id);
        // repo@sha256:… too: Image= may name an image by digest
        for (const n of [...(row.Names ?? []), ...(row.RepoDigests ?? [])]) names.add(n);
      }
      return { names, ids };
    },
    async load(path) {
      const r = await call(['load', '-q', '-i', path], 600_000);
      if (r.exitCode !== 0)
        throw new PodmanError(`podman load -i ${path} failed: ${(r.stderr || r.stdout).trim()}`);
      const m = r.stdout.match(/Loaded image(?:\(s\))?:\s*(\S+)/);
      if (!m)
        throw new PodmanError(
          `podman load -i ${path}: cannot tell which image it loaded: ${r.stdout.trim()}`,
        );
      return m[1]!;
    },
    async tag(id, name) {
      const r = await call(['tag', id, name]);
      if (r.exitCode !== 0) throw new PodmanError(`podman tag ${id} ${name} failed: ${r.stderr.trim()}`);
    },
  };
}

/** Whether an image reference is among the local images (short names match any registry). */
export function imagePresent(ref: string, local: LocalImages): boolean {
  if (local.names.has(ref)) return true;
  // repo:tag@sha256:…: podman goes by the digest, which is listed as repo@sha256:…
  const at = ref.indexOf('@');
  if (at > 0 && ref.lastIndexOf(':', at) > ref.lastIndexOf('/', at)) {
    const name = ref.slice(0, at);
    return imagePresent(`${name.slice(0, name.lastIndexOf(':'))}${ref.slice(at)}`, local);
  }
  const bare = ref.replace(/^(sha256:)?/, '');
  if (/^[0-9a-f]{12,64}$/.test(bare)) return [...local.ids].some((id) => id.startsWith(bare));
  const lastSlash = ref.lastIndexOf('/');
  const hasTag = ref.lastIndexOf(':') > lastSlash || ref.includes('@');
  const full = hasTag ? ref : `${ref}:latest`;
  if (local.names.has(full)) return true;
  const firstPart = ref.split('/')[0]!;
  const qualified =
    ref.includes('/') && (firstPart.includes('.') || firstPart.includes(':') || firstPart === 'localhost');
  if (qualified) return false;
  // a short name: podman resolves it against any registry, so any prefix counts
  return [...local.names].some((n) => n.endsWith(`/${full}`) || n === full);
}

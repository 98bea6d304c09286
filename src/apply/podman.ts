// The Podman adapter: the few podman calls finit-pods makes, each with a timeout and parsed
// output. Everything else about podman lives in the argv the model renders. A call that failed
// (non-zero exit, timeout, output it cannot read) throws PodmanError, never an empty answer.

import { CommandError, failureText, type Runner, type RunResult } from './run.js';

export interface ContainerInfo {
  id: string;
  names: string[];
  state: string;
  image: string;
  labels: Record<string, string>;
  /** When it started (Unix seconds), if podman says. */
  startedAt?: number;
}

/** Podman's states in which a container's process exists: a running container in that sense. */
export const isRunning = (state: string): boolean =>
  state === 'running' || state === 'paused' || state === 'stopping';

/** The local images: their names (repo:tag, and repo@digest) and IDs. */
export interface LocalImages {
  names: Set<string>;
  ids: Set<string>;
}

export interface Podman {
  /** Every container (`ps -a`); with `external`, also storage-only ones no podman database knows. */
  containers(external?: boolean): Promise<ContainerInfo[]>;
  /** Force-removes containers (`rm -f -t 0`, or `rm --storage` for storage-only ones). */
  remove(ids: string[], storage?: boolean): Promise<void>;
  /** Stops containers gently (SIGTERM, SIGKILL after `seconds`) and removes them (`rm -f -t SECONDS`). */
  stopAndRemove(ids: string[], seconds: number): Promise<void>;
  /**
   * Force-removes every container carrying the label `key=value` (`rm -f -t 0 --filter label=…`),
   * without listing them first: the IDs podman removed. On failure a RemovalError, which carries
   * the IDs it removed all the same.
   */
  removeLabelled(key: string, value: string): Promise<string[]>;
  /** Containers removed since `since`, from podman's event log (`events --stream=false`). */
  removedSince(since: Date): Promise<Map<string, { name: string; labels: Record<string, string> }>>;
  /** Names (repo:tag and repo@digest) and IDs of every local image. */
  images(): Promise<LocalImages>;
  /** Names of every network (`network ls`). */
  networks(): Promise<Set<string>>;
  /** Loads an image archive; returns the loaded image's ID. */
  load(path: string): Promise<string>;
  tag(id: string, name: string): Promise<void>;
  /** An image's label, or undefined when the image is not here (or has no such label). */
  imageLabel(ref: string, key: string): Promise<string | undefined>;
  /** Whether an OCI artifact is in local storage; throws NoArtifacts on a podman without them (before 5). */
  hasArtifact(ref: string): Promise<boolean>;
  /** Runs a unit's own podman command (pull, build, artifact pull) in `cwd`; throws on failure. */
  runUnitCommand(argv: readonly string[], timeoutMs: number, cwd?: string): Promise<void>;
}

/** This podman has no `artifact` command (Podman before 5). */
export class NoArtifacts extends Error {}

/** A podman call failed: command, exit code and stderr as CommandError carries them. */
export class PodmanError extends CommandError {}

/** A removal by label failed; some containers may have gone all the same. */
export class RemovalError extends PodmanError {
  removed: string[] = [];
}

/**
 * A removal, once more if it fails: the first rm -f after a crash often fails ("timed out waiting
 * for file …/exits/ID", "container state improper") and the same removal again takes what is
 * left (rm -f of a container that is gone already succeeds, so no listing is needed). Returns
 * the podman calls made and the second failure, if any. A timeout is not retried (it took
 * its whole time already) and is thrown, as is anything but a PodmanError.
 */
export async function removeWithRetry(
  remove: () => Promise<void>,
): Promise<{ calls: number; error?: PodmanError }> {
  const once = async () => {
    try {
      await remove();
      return undefined;
    } catch (e) {
      if (!(e instanceof PodmanError) || e.timedOut) throw e;
      return e;
    }
  };
  if ((await once()) === undefined) return { calls: 1 };
  const error = await once();
  return error === undefined ? { calls: 2 } : { calls: 2, error };
}

interface PsRow {
  Id?: string;
  ID?: string;
  Names?: string[] | string | null;
  State?: string;
  Image?: string;
  Labels?: Record<string, string> | null;
  StartedAt?: number;
}

export function parsePs(json: string): ContainerInfo[] {
  const rows = (JSON.parse(json || '[]') ?? []) as PsRow[];
  return rows.map((r) => ({
    id: r.Id ?? r.ID ?? '',
    names: Array.isArray(r.Names) ? r.Names : r.Names ? [r.Names] : [],
    state: (r.State ?? '').toLowerCase(),
    image: r.Image ?? '',
    labels: r.Labels ?? {},
    // podman gives 0 or a date in 1970 for a container that never started
    ...(typeof r.StartedAt === 'number' && r.StartedAt > 0 ? { startedAt: r.StartedAt } : {}),
  }));
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

export function podmanCli(podman: string, exec: Runner): Podman {
  const failed = (args: string[], r: RunResult, what = `podman ${args[0]}`) =>
    new PodmanError(`${what} failed: ${failureText(r)}`, [podman, ...args], r);
  /** Runs podman; a timeout or a non-zero exit throws (`what` names the call in the message). */
  const call = async (args: string[], timeoutMs = 60_000, what?: string) => {
    const r = await exec(podman, args, { timeoutMs });
    if (r.timedOut)
      throw new PodmanError(`podman ${args[0]} timed out after ${timeoutMs / 1000} s`, [podman, ...args], r);
    if (r.exitCode !== 0) throw failed(args, r, what);
    return r;
  };
  /** Parses a call's output; output it cannot read is a failed call too. */
  const parse = <T>(args: string[], r: RunResult, read: (out: string) => T): T => {
    try {
      return read(r.stdout);
    } catch (e) {
      throw new PodmanError(
        `podman ${args[0]}: cannot read its output: ${(e as Error).message}`,
        [podman, ...args],
        r,
      );
    }
  };
  return {
    async containers(external = false) {
      const args = ['ps', '-a', ...(external ? ['--external'] : []), '--format', 'json'];
      return parse(args, await call(args), parsePs);
    },
    async remove(ids, storage = false) {
      if (ids.length === 0) return;
      await call(storage ? ['rm', '--storage', ...ids] : ['rm', '-f', '-t', '0', ...ids], 120_000);
    },
    async stopAndRemove(ids, seconds) {
      if (ids.length === 0) return;
      await call(['rm', '-f', '-t', String(seconds), ...ids], 120_000 + seconds * 1000);
    },
    async removeLabelled(key, value) {
      const args = ['rm', '-f', '-t', '0', '--filter', `label=${key}=${value}`];
      const timeoutMs = 120_000;
      const r = await exec(podman, args, { timeoutMs });
      // podman prints each container it removed, also when it failed on another
      const ids = r.stdout.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l));
      if (r.exitCode === 0 && !r.timedOut) return ids;
      const e = new RemovalError(
        r.timedOut
          ? `podman rm timed out after ${timeoutMs / 1000} s`
          : `podman rm failed: ${failureText(r)}`,
        [podman, ...args],
        r,
      );
      e.removed = ids;
      throw e;
    },
    async removedSince(since) {
      const args = [
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
      ];
      return parse(args, await call(args), parseRemoveEvents);
    },
    async images() {
      const args = ['images', '--format', 'json'];
      const rows = parse(
        args,
        await call(args),
        (out) =>
          (JSON.parse(out || '[]') ?? []) as {
            Id?: string;
            Names?: string[] | null;
            RepoDigests?: string[] | null;
          }[],
      );
      const names = new Set<string>();
      const ids = new Set<string>();
      for (const row of rows) {
        if (row.Id) ids.add(row.Id);
        // repo@sha256:… too: Image= may name an image by digest
        for (const n of [...(row.Names ?? []), ...(row.RepoDigests ?? [])]) names.add(n);
      }
      return { names, ids };
    },
    async networks() {
      const r = await call(['network', 'ls', '--format', '{{.Name}}'], 30_000, 'podman network ls');
      return new Set(
        r.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      );
    },
    async load(path) {
      const args = ['load', '-q', '-i', path];
      const r = await call(args, 600_000, `podman load -i ${path}`);
      const m = r.stdout.match(/Loaded image(?:\(s\))?:\s*(\S+)/);
      if (!m)
        throw new PodmanError(
          `podman load -i ${path}: cannot tell which image it loaded: ${r.stdout.trim()}`,
          [podman, ...args],
          r,
        );
      return m[1]!;
    },
    async tag(id, name) {
      await call(['tag', id, name], 60_000, `podman tag ${id} ${name}`);
    },
    async imageLabel(ref, key) {
      const args = ['image', 'inspect', '--format', `{{index .Labels ${JSON.stringify(key)}}}`, ref];
      const r = await exec(podman, args, { timeoutMs: 30_000 });
      if (r.exitCode !== 0 && !r.timedOut && /no such image|image not known/i.test(r.stderr))
        return undefined;
      if (r.exitCode !== 0 || r.timedOut) throw failed(args, r, 'podman image inspect');
      const v = r.stdout.trim();
      return v === '' || v === '<no value>' ? undefined : v;
    },
    async hasArtifact(ref) {
      const args = ['artifact', 'inspect', ref];
      const r = await exec(podman, args, { timeoutMs: 30_000 });
      if (r.exitCode === 0) return true;
      if (/unrecognized command|unknown command/i.test(r.stderr))
        throw new NoArtifacts('this podman has no OCI artifacts (podman artifact is in Podman 5.x)');
      if (!r.timedOut && /no artifact found|not known|no such|not found/i.test(r.stderr)) return false;
      throw failed(args, r, 'podman artifact inspect');
    },
    async runUnitCommand(argv, timeoutMs, cwd) {
      const [, ...args] = argv; // the unit's /usr/bin/podman is this podman
      const r = await exec(podman, args, { timeoutMs, ...(cwd ? { cwd } : {}) });
      const what = `podman ${args.find((a) => !a.startsWith('-')) ?? ''}`.trim();
      if (r.timedOut) throw new PodmanError(`${what} timed out after ${timeoutMs / 1000} s`, [...argv], r);
      if (r.exitCode !== 0) throw failed(args, r, what);
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

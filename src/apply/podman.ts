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
   * Runs a container's health check once (`healthcheck run`): whether it passed, and what podman
   * said. A check that ran and failed is 'unhealthy'; a call that failed (no such container, no
   * healthcheck, podman not answering within `timeoutMs`) throws, so it is never read as either.
   */
  healthcheckRun(
    name: string,
    timeoutMs: number,
  ): Promise<{ status: 'healthy' | 'unhealthy'; output: string }>;
  /** SIGKILL to a container (`kill`): its `podman run` ends. */
  kill(name: string): Promise<void>;
  /** Stops a container (`stop -t SECONDS`: its stop signal, SIGKILL after `seconds`); its `podman run` ends. */
  stop(name: string, seconds: number): Promise<void>;
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
  /** A container by name or ID (`container inspect`), or undefined when there is none. */
  inspectContainer(name: string): Promise<ContainerDetail | undefined>;
  /** An image by reference or ID (`image inspect`), or undefined when it is not here. */
  inspectImage(ref: string): Promise<ImageDetail | undefined>;
  /**
   * The manifest digest a registry offers for `ref` on this platform, read without pulling (a
   * manifest list of ours holds it for a moment: `manifest add` takes the registry options on 4.3).
   */
  remoteDigest(ref: string, options: readonly string[]): Promise<string>;
  /** Pulls `ref` with registry options (`pull -q`): the pulled image's ID. */
  pull(ref: string, options: readonly string[], timeoutMs: number): Promise<string>;
  /** Removes one name from its image (`untag`); a name that is not there is not an error. */
  untag(name: string): Promise<void>;
  /** This podman's version (`podman --version`), e.g. 4.3.1. */
  version(): Promise<string>;
  /** The options `podman run` knows (`run --help`): long name (`--init`) → whether it takes a value. */
  runOptions(): Promise<RunOptions>;
}

export type RunOptions = ReadonlyMap<string, boolean>;

/** What `container inspect` says of one container, as updates need it. */
export interface ContainerDetail {
  id: string;
  /** The ID of the image it runs. */
  imageId: string;
  state: string;
  /** When it started (ms since the epoch), if it has. */
  startedAt?: number;
  labels: Record<string, string>;
  /** Whether it has a healthcheck (its own or its image's). */
  hasHealthcheck: boolean;
}

/** What `image inspect` says of one image. */
export interface ImageDetail {
  id: string;
  /** Every manifest digest it is known by (Digest and RepoDigests), `sha256:…`. */
  digests: string[];
  names: string[];
}

/** How much of a failed health check's own output is kept (status shows it). */
const MAX_CHECK_OUTPUT = 1024;

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

interface InspectRow {
  Id?: string;
  Image?: string;
  State?: { Status?: string; StartedAt?: string };
  Config?: { Labels?: Record<string, string> | null; Healthcheck?: { Test?: string[] | null } | null };
  Digest?: string;
  RepoDigests?: string[] | null;
  RepoTags?: string[] | null;
}

/**
 * `podman run --help`'s options: `  -e, --env stringArray   …` takes a value, `      --init   …`
 * does not (a value's type, one space after the name, marks one: `string`, `<number>[<unit>]`;
 * two spaces start the text).
 */
export function parseRunHelp(text: string): RunOptions {
  const options = new Map<string, boolean>();
  for (const m of text.matchAll(/^ +(?:-\w, )?(--[a-z0-9][a-z0-9-]*)( \S+)? {2,}\S/gm))
    options.set(m[1]!, m[2] !== undefined);
  if (options.size === 0) throw new Error('no options in podman run --help');
  return options;
}

/** `container inspect --format json`'s first row. */
export function parseContainerInspect(json: string): ContainerDetail {
  const r = ((JSON.parse(json) as InspectRow[])[0] ?? {}) as InspectRow;
  if (!r.Id || !r.Image) throw new Error('no container ID or image ID in it');
  const started = Date.parse(r.State?.StartedAt ?? '');
  const test = r.Config?.Healthcheck?.Test ?? [];
  return {
    id: r.Id,
    imageId: r.Image,
    state: (r.State?.Status ?? '').toLowerCase(),
    // podman gives 0001-01-01 for a container that never started
    ...(started > 0 ? { startedAt: started } : {}),
    labels: r.Config?.Labels ?? {},
    hasHealthcheck: test.length > 0 && test[0] !== 'NONE',
  };
}

/** `image inspect --format json`'s first row. */
export function parseImageInspect(json: string): ImageDetail {
  const r = ((JSON.parse(json) as InspectRow[])[0] ?? {}) as InspectRow;
  if (!r.Id) throw new Error('no image ID in it');
  const digests = new Set<string>();
  if (r.Digest) digests.add(r.Digest);
  for (const d of r.RepoDigests ?? []) digests.add(d.slice(d.indexOf('@') + 1));
  return { id: r.Id, digests: [...digests], names: r.RepoTags ?? [] };
}

/** What podman says when the container or image asked about is not there. */
const NOT_THERE = /no such (container|image|object)|image not known|not found in local storage/i;

/** Calls podman answers from its own program, without reading its state or taking its locks. */
const RUN_HELP = ['run', '--help'];
const VERSION = ['--version'];

/**
 * Whether a podman call is one of those (strace: no storage, no database): it neither pays nor
 * delays podman's post-boot state reset, so boot recovery need not hold it back.
 */
export function answersFromItself(args: readonly string[]): boolean {
  return [RUN_HELP, VERSION].some((a) => a.length === args.length && a.every((x, i) => x === args[i]));
}

/** The registry options `manifest add` takes (it has no --retry). */
const PROBE_OPTIONS = ['--tls-verify', '--authfile', '--cert-dir', '--creds'];

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
  /** The output of a container's last health check (its health log's last entry), when podman has one. */
  const lastCheckOutput = async (name: string): Promise<string | undefined> => {
    const r = await exec(podman, ['inspect', '--format', '{{json .State}}', name], { timeoutMs: 30_000 });
    if (r.exitCode !== 0 || r.timedOut) return undefined; // the check's result stands without it
    try {
      // Podman 5 says Health, Podman 4 Healthcheck
      const state = JSON.parse(r.stdout) as Record<
        string,
        { Log?: { Output?: string }[] | null } | undefined
      >;
      const log = (state.Health ?? state.Healthcheck)?.Log;
      const out = log?.[log.length - 1]?.Output?.trim();
      return out ? out.slice(0, MAX_CHECK_OUTPUT) : undefined;
    } catch {
      return undefined;
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
    async healthcheckRun(name, timeoutMs) {
      const args = ['healthcheck', 'run', name];
      const r = await exec(podman, args, { timeoutMs });
      // 0: the check passed; 1: it ran and failed (podman prints unhealthy, or starting during a
      // startup check); anything else (125) is podman failing to run it
      if (!r.timedOut && r.exitCode === 0)
        return { status: 'healthy', output: (r.stdout || r.stderr).trim() };
      if (!r.timedOut && r.exitCode === 1) {
        // what the check itself printed is only in podman's health log: read for a failed check alone
        const own = await lastCheckOutput(name);
        return { status: 'unhealthy', output: own ?? (r.stdout || r.stderr).trim() };
      }
      throw r.timedOut
        ? new PodmanError(
            `podman healthcheck run timed out after ${timeoutMs / 1000} s`,
            [podman, ...args],
            r,
          )
        : failed(args, r, `podman healthcheck run ${name}`);
    },
    async kill(name) {
      await call(['kill', name], 60_000, `podman kill ${name}`);
    },
    async stop(name, seconds) {
      await call(['stop', '-t', String(seconds), name], 60_000 + seconds * 1000, `podman stop ${name}`);
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
    async inspectContainer(name) {
      return inspectOne(['container', 'inspect', '--format', 'json', name], parseContainerInspect);
    },
    async inspectImage(ref) {
      return inspectOne(['image', 'inspect', '--format', 'json', ref], parseImageInspect);
    },
    async remoteDigest(ref, options) {
      const list = `localhost/finit-pods/probe-${process.pid}`;
      const create = ['manifest', 'create', list];
      const made = await exec(podman, create, { timeoutMs: 30_000 });
      if (made.exitCode !== 0 || made.timedOut) {
        // one left by a process of the same PID that was killed before it removed it
        await exec(podman, ['manifest', 'rm', list], { timeoutMs: 30_000 });
        await call(create, 30_000, 'podman manifest create');
      }
      try {
        const probe = options.filter((o) => PROBE_OPTIONS.some((p) => o === p || o.startsWith(`${p}=`)));
        await call(
          ['manifest', 'add', ...probe, list, `docker://${ref}`],
          300_000,
          `podman manifest add ${ref}`,
        );
        const args = ['manifest', 'inspect', list];
        return parse(args, await call(args, 30_000, 'podman manifest inspect'), (out) => {
          const d = (JSON.parse(out) as { manifests?: { digest?: string }[] }).manifests?.[0]?.digest;
          if (!d?.startsWith('sha256:')) throw new Error('no manifest digest in it');
          return d;
        });
      } finally {
        await exec(podman, ['manifest', 'rm', list], { timeoutMs: 30_000 });
      }
    },
    async pull(ref, options, timeoutMs) {
      const args = ['pull', '-q', ...options, ref];
      return parse(args, await call(args, timeoutMs, `podman pull ${ref}`), (out) => {
        const id = out.split('\n').findLast((l) => /^[0-9a-f]{64}$/.test(l.trim()));
        if (!id) throw new Error(`no image ID in "${out.trim()}"`);
        return id.trim();
      });
    },
    async untag(name) {
      const args = ['untag', name, name];
      const r = await exec(podman, args, { timeoutMs: 30_000 });
      if (r.exitCode !== 0 && !r.timedOut && NOT_THERE.test(r.stderr)) return;
      if (r.exitCode !== 0 || r.timedOut) throw failed(args, r, `podman untag ${name}`);
    },
    async runOptions() {
      const args = [...RUN_HELP];
      return parse(args, await call(args, 30_000, 'podman run --help'), parseRunHelp);
    },
    async version() {
      const args = [...VERSION];
      return parse(args, await call(args, 30_000, 'podman --version'), (out) => {
        const v = out.match(/(\d+\.\d+(?:\.\d+)?)/)?.[1];
        if (!v) throw new Error(`no version in "${out.trim()}"`);
        return v;
      });
    },
  };

  /** One object's `inspect`: undefined when podman says it is not there, a failure otherwise. */
  async function inspectOne<T>(args: string[], read: (out: string) => T): Promise<T | undefined> {
    const r = await exec(podman, args, { timeoutMs: 30_000 });
    if (r.exitCode !== 0 && !r.timedOut && NOT_THERE.test(r.stderr)) return undefined;
    if (r.exitCode !== 0 || r.timedOut) throw failed(args, r, `podman ${args[0]} inspect`);
    return parse(args, r, read);
  }
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

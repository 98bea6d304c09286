// finit-pods doctor: for every pod that is not running, the reason in one sentence, and with
// --fix the safe remedy: remove the lingering container that holds its name (never a running
// container finit-pods does not own), load its image from the archive, recreate its network,
// write a missing stanza or set the start condition (all through sync), then
// `initctl restart pod:NAME`. A pod whose options this podman does not know (a key for a newer
// podman) is named with the key, and not restarted: no restart helps. Also containers
// finit-pods started for a pod that no unit defines any more and Finit no longer runs (left
// behind): ours, so --fix removes them. Each pod's verdict is data (podVerdict); --fix carries
// the verdicts out (fix). Every program runs behind the adapters; a listing that failed is a
// finding, and nothing that depends on it is done (a failed `network ls` recreates no network
// and restarts no pod).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BootReport } from '../apply/boot.js';
import { removeIfExists } from '../apply/files.js';
import type { Finit } from '../apply/finit.js';
import { isRunning, type Podman, type RunOptions, removeWithRetry } from '../apply/podman.js';
import { attempt, CommandError } from '../apply/run.js';
import {
  missingOptionsRemedy,
  missingOptionsText,
  runOptionsOf,
  unknownRunOptions,
} from '../apply/run-options.js';
import type { SyncConfig, SyncReport } from '../apply/sync.js';
import { findProgram } from '../lib/programs.js';
import { printable } from '../lib/text.js';
import type { UnitResult } from '../model/translate.js';
import { LABEL_MANAGED, ownPod } from '../render/labels.js';
import { updateProblem } from '../update/view.js';
import { collectStatusWith, type PodView, unmetDependencies } from './status.js';

export interface DoctorDeps {
  finit: Finit;
  podman: Podman;
  /** What `finit-pods sync` does (apply/boot.ts applyLocked): boot recovery or a sync, locked. */
  /** Applies the units (sync under the lock), given as doctor read them: translated once. */
  apply: (units: readonly UnitResult[]) => Promise<{ sync: SyncReport; boot?: BootReport }>;
  /** Whether a program is installed (on PATH): socat, which Notify=true's relay runs. */
  hasProgram?: (name: string) => boolean;
}

export interface Finding {
  /** The pod it is about; absent for a finding about the whole system (a listing that failed). */
  pod?: string;
  /** Another kind of unit it is about (`podman-pod:NAME`, `kube:NAME`, `image:REF`…, as status names it). */
  unit?: string;
  problem: string;
  /** What --fix does about it (absent: nothing safe to do). */
  remedy?: string;
  /** With --fix: what was done. */
  done?: string;
  /** Said for the record, not a fault: the pod runs (a rolled-back update). */
  info?: boolean;
}

const BUILTIN_NETWORKS = /^(host|none|private|bridge|slirp4netns|pasta|podman|ns:|container:)/;

/** TCP ports something listens on, from /proc/net/tcp and tcp6 (state 0A = LISTEN). */
export function listeningPorts(procNet = '/proc/net'): Set<number> {
  const ports = new Set<number>();
  for (const f of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(join(procNet, f), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && cols[1]) ports.add(Number.parseInt(cols[1].split(':').pop()!, 16));
    }
  }
  return ports;
}

/** Host ports of --publish values: ip:host:ctr, host:ctr, :host:ctr? no; a bare ctr has none. */
export function publishedHostPorts(runArgs: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < runArgs.length - 1; i++) {
    if (runArgs[i] !== '--publish' && runArgs[i] !== '-p') continue;
    const v = runArgs[i + 1]!.replace(/\/(tcp|udp|sctp)$/, '');
    const parts = v.replace(/^\[[^\]]*\]/, 'ip').split(':');
    const host = parts.length >= 3 ? parts[1] : parts.length === 2 ? parts[0] : undefined;
    if (host && /^\d+$/.test(host)) out.push(Number(host));
  }
  return out;
}

/**
 * A unit that is not a container: its problem as status says it (a pull that failed, what it
 * waits for, a pod or kube service that crashed), and what to run; the daemon tries failed pulls
 * and builds again by itself.
 */
function otherUnitFinding(u: PodView): Finding {
  const service = u.kind === 'pod' ? 'podman-pod' : u.kind === 'kube' ? 'kube' : undefined;
  const unit = `${service ?? u.kind}:${u.name}`;
  const f: Finding = { unit, problem: u.problem ?? 'not healthy' };
  if (u.unit.state === 'error' && !u.problem?.startsWith('not applied')) return f;
  if (service && u.finit?.status === 'crashed') f.remedy = `initctl restart ${unit}`;
  else if (!service) f.remedy = 'finit-pods sync (the daemon also tries again by itself)';
  return f;
}

/**
 * An adapter call made at most once, when a pod first needs it; a failed one is a finding of its
 * own ("cannot tell: …", said once), and what depends on it is withheld by its callers.
 */
function readOnce<T>(call: () => Promise<T>, findings: Finding[]) {
  let got: Promise<{ value: T } | { error: string }> | undefined;
  const read = () =>
    (got ??= attempt(call).then((r) => {
      if ('error' in r) findings.push({ problem: `cannot tell: ${r.error}` });
      return r;
    }));
  /** Whether it was needed and answered (not failed, not never asked). */
  read.answered = async () => got !== undefined && 'value' in (await got);
  return read;
}

/** Why a call failed, for "… failed: WHY": what the program said, else how it ended. */
function why(e: unknown): string {
  if (!(e instanceof CommandError)) throw e;
  if (e.timedOut) return 'timed out';
  return e.exitCode !== 0 ? e.stderr.trim() || `exit ${e.exitCode}` : e.message;
}

/** What doctor found about one pod, and what --fix does about it, as data. */
interface Verdict {
  problem: string;
  remedy?: string;
  /** The ID of a lingering container holding its name: removed first. */
  remove?: string;
  /** Whether the remedy is a sync (or boot recovery): a stanza, a network, an archive, the condition. */
  sync?: boolean;
  /** Whether `initctl restart pod:NAME` follows. */
  restart?: boolean;
}

type Readings = Awaited<ReturnType<typeof collectStatusWith>>['readings'];
type ContainerModel = Extract<NonNullable<UnitResult['model']>, { kind: 'container' }>;

/** What judging a pod needs besides the pod: the readings, and podman's answers read once. */
interface Judge {
  readings: Readings;
  ready: boolean;
  listening: Set<number>;
  networks: ReturnType<typeof readOnce<Set<string>>>;
  runOptions: ReturnType<typeof readOnce<RunOptions>>;
  podmanVersion: () => Promise<string | undefined>;
}

export async function doctor(
  cfg: SyncConfig,
  deps: DoctorDeps,
  opts: { fix?: boolean } = {},
): Promise<Finding[]> {
  const { finit, podman } = deps;
  // the view's own translation and listings, not a second reading of each
  const { view, readings } = await collectStatusWith(cfg, { finit, podman });
  const findings: Finding[] = [];
  // a listing that failed: said once, and every remedy that depends on it is withheld
  for (const e of Object.values(readings.errors)) findings.push({ problem: `cannot tell: ${e}` });
  const models = new Map(
    readings.results.flatMap((r) => (r.model?.kind === 'container' ? [[r.model.pod, r.model] as const] : [])),
  );
  // only for the wording: without it a finding says "podman", so a failure is no finding
  let version: Promise<{ value: string } | { error: string }> | undefined;
  const judge: Judge = {
    readings,
    ready: view.ready,
    listening: listeningPorts(),
    networks: readOnce(() => podman.networks(), findings),
    runOptions: readOnce(() => runOptionsOf(podman, cfg.podman, cfg.stateDir), findings),
    podmanVersion: async () => {
      version ??= attempt(() => podman.version());
      const v = await version;
      return 'value' in v ? v.value : undefined;
    },
  };
  const verdicts = new Map<string, Verdict>();
  for (const u of view.units) {
    if (u.healthy) continue;
    if (u.kind !== 'container') {
      findings.push(otherUnitFinding(u));
      continue;
    }
    const v = await podVerdict(u, models.get(u.name), judge);
    verdicts.set(u.name, v);
    findings.push({ pod: u.name, problem: v.problem, ...(v.remedy ? { remedy: v.remedy } : {}) });
  }
  findings.push(...notifyFindings([...models.values()], deps.hasProgram));
  // an update that was rolled back or failed: said even while the pod runs (on its old image)
  for (const u of view.units) {
    const update = u.update && updateProblem(u.update);
    if (update) findings.push({ pod: u.name, problem: update, info: true });
  }
  const strays = strayContainers(view, readings);
  findings.push(...strays.map((s) => s.finding));
  if (opts.fix) await fix(cfg, deps, { findings, verdicts, strays, judge });
  return findings;
}

/**
 * Why a container pod is not healthy, the first of these that holds: its unit, its image, the
 * condition, a container holding its name, a port, a network, no stanza, an option podman lacks,
 * a service it waits for, Finit giving up; and what --fix does about it.
 */
async function podVerdict(u: PodView, m: ContainerModel | undefined, judge: Judge): Promise<Verdict> {
  const { services, containers, errors, results } = judge.readings;
  if (!m || u.unit.state === 'error') return { problem: u.problem ?? 'unit invalid' };
  if (u.image && u.image.present === undefined)
    return { problem: `cannot tell whether image ${u.image.ref} is present: ${errors.images}` };
  if (u.image?.present === false) {
    const waiting = u.waitingFor && u.waitingFor !== 'image' ? ` (waiting for ${u.waitingFor})` : '';
    const problem = `image missing: ${u.image.ref}${waiting}`;
    if (!/^(oci|docker)-archive:/.test(m.image)) return { problem };
    return { problem, remedy: 'load the image from its archive (finit-pods sync)', sync: true };
  }
  if (!services) return { problem: `cannot tell why it is not running: ${errors.services}` };
  // Before the condition is set no pod has started this boot: a container holding a name is
  // what the boot left behind, and boot recovery (which sets the condition) removes it.
  if (!judge.ready && u.finit)
    return {
      problem: 'pods are held back: the condition usr/finit-pods is not set',
      remedy: 'set it after boot recovery (finit-pods sync)',
      sync: true,
    };
  if (!containers) return { problem: `cannot tell which container holds its name: ${errors.containers}` };
  const holder = containers.find((c) => c.names.includes(m.containerName));
  if (holder && !isRunning(holder.state) && u.finit?.status !== 'running')
    return {
      problem: `name "${m.containerName}" is held by a lingering container ${holder.id.slice(0, 12)} (${holder.state})`,
      remedy: `remove container ${holder.id.slice(0, 12)}`,
      remove: holder.id,
      restart: true,
    };
  if (holder && isRunning(holder.state) && holder.labels[LABEL_MANAGED] !== 'true')
    return {
      problem: `name "${m.containerName}" is held by a running container ${holder.id.slice(0, 12)} that finit-pods did not start; it is left alone`,
    };
  const taken = publishedHostPorts(m.runArgs).filter((p) => judge.listening.has(p));
  if (taken.length > 0 && u.container?.state !== 'running')
    return { problem: `port ${taken.join(', ')} is already taken by another process or container` };
  const named = m.runArgs.flatMap((a, i) =>
    a === '--network' && m.runArgs[i + 1] ? [m.runArgs[i + 1]!.split(':')[0]!] : [],
  );
  const wanted = named.filter((n) => !BUILTIN_NETWORKS.test(n));
  if (wanted.length > 0) {
    const got = await judge.networks();
    if ('error' in got)
      return { problem: `cannot tell whether network ${wanted.join(', ')} exists: ${got.error}` };
    const missing = wanted.filter((n) => !got.value.has(n));
    if (missing.length > 0)
      return {
        problem: `network ${missing.join(', ')} is missing`,
        remedy: 'recreate it (finit-pods sync)',
        sync: true,
        restart: true,
      };
  }
  if (!u.finit)
    return { problem: 'it has no Finit stanza yet', remedy: 'write it (finit-pods sync)', sync: true };
  // a key for a newer podman than this one: no restart helps
  if (u.container?.state !== 'running') {
    const known = await judge.runOptions();
    const unknown = 'value' in known ? unknownRunOptions(m.runArgs, known.value) : [];
    if (unknown.length > 0) {
      const text = missingOptionsText(unknown, m.name.filename, await judge.podmanVersion());
      return { problem: `${text}: ${missingOptionsRemedy(unknown)}` };
    }
  }
  // held back by a service it waits for: that one has its own finding, and a restart helps neither
  const result = results.find((r) => r.model === m);
  if (u.finit.status !== 'crashed' && result && unmetDependencies(result, judge.readings).length > 0)
    return { problem: u.problem ?? `Finit says ${u.finit.status}` };
  const restart = `initctl restart pod:${u.name}`;
  if (u.finit.status === 'crashed')
    return { problem: 'Finit gave up restarting it (crashed)', remedy: restart, restart: true };
  return {
    problem: u.problem ?? `Finit says ${u.finit.status}, the container is ${u.container?.state ?? 'missing'}`,
    remedy: restart,
    restart: true,
  };
}

/** Notify=true without socat: the runner cannot relay READY=1, so the pod is ready when it runs. */
function notifyFindings(
  models: readonly ContainerModel[],
  hasProgram?: (name: string) => boolean,
): Finding[] {
  const notifying = models.filter((m) => m.notify === 'notify').map((m) => m.pod);
  if (notifying.length === 0 || (hasProgram ?? ((name) => findProgram(name) !== undefined))('socat'))
    return [];
  return notifying.map((pod) => ({
    pod,
    problem:
      'Notify=true needs socat, which is not installed: the pod counts as ready when it runs, not when it says READY=1 (install socat)',
  }));
}

/**
 * Left behind: a container of ours whose unit is gone, with no Finit service to stop it (while
 * Finit still knows pod:NAME, it is stopping it). Seen when Finit gave up on a runner whose
 * podman stop did not finish within its kill delay. Both listings are needed to tell.
 */
function strayContainers(
  view: { units: readonly PodView[] },
  { services, containers }: Readings,
): { pod: string; id: string; finding: Finding }[] {
  if (!services || !containers) return [];
  const defined = new Set(view.units.filter((u) => u.kind === 'container').map((u) => u.name));
  return containers.flatMap((c) => {
    const pod = ownPod(c.labels);
    if (!pod || defined.has(pod)) return [];
    if (services.some((s) => s.identity === `pod:${pod}`)) return [];
    const id = c.id.slice(0, 12);
    const finding = {
      pod,
      problem: `container ${id} (${c.state}) was started by finit-pods, but no unit defines pod:${pod} any more`,
      remedy: `stop and remove container ${id}`,
    };
    return [{ pod, id: c.id, finding }];
  });
}

/**
 * --fix: what the verdicts say, in this order: lingering containers removed (one call), stray
 * ones stopped and removed, one sync (or boot recovery), then each pod restarted once; what was
 * done is added to the findings.
 */
async function fix(
  cfg: SyncConfig,
  deps: DoctorDeps,
  found: {
    findings: Finding[];
    verdicts: ReadonlyMap<string, Verdict>;
    strays: readonly { pod: string; id: string }[];
    /** What the verdicts were judged on (its readings, whether pods may start). */
    judge: Judge;
  },
): Promise<void> {
  const { findings, verdicts, strays } = found;
  const done = (pod: string, what: string) => {
    for (const x of findings) if (x.pod === pod && x.remedy) x.done = x.done ? `${x.done}; ${what}` : what;
  };
  const toRemove = [...verdicts].flatMap(([pod, v]) => (v.remove ? [{ pod, id: v.remove }] : []));
  if (toRemove.length > 0) {
    const { error } = await removeWithRetry(() => deps.podman.remove(toRemove.map((t) => t.id)));
    const err = error && why(error);
    for (const t of toRemove)
      done(t.pod, err ? `removing ${t.id.slice(0, 12)} failed: ${err}` : `removed ${t.id.slice(0, 12)}`);
  }
  if (strays.length > 0) {
    // stopped as podman stops any container (SIGTERM, then SIGKILL after 10 s): it may hold data
    let err: string | undefined;
    try {
      await deps.podman.stopAndRemove(
        strays.map((t) => t.id),
        10,
      );
    } catch (e) {
      err = why(e);
    }
    for (const t of strays)
      done(
        t.pod,
        err ? `removing ${t.id.slice(0, 12)} failed: ${err}` : `stopped and removed ${t.id.slice(0, 12)}`,
      );
  }
  if ([...verdicts.values()].some((v) => v.sync)) {
    if (await found.judge.networks.answered()) resetResources(cfg);
    // The first run of a boot is boot recovery (as `finit-pods sync` would do): lingering
    // containers removed, then the condition set; a plain sync would set it and skip the rest.
    const applied = await deps.apply(found.judge.readings.results);
    const rep = applied.sync;
    const what = applied.boot ? 'boot recovery' : 'finit-pods sync';
    for (const u of rep.units) if (u.pod) done(u.pod, `${what}: ${u.state}`);
    if (rep.readySet && !found.judge.ready)
      for (const x of findings) if (x.remedy && x.pod) done(x.pod, 'usr/finit-pods set');
  }
  for (const [pod, v] of verdicts) {
    if (!v.restart) continue;
    let err: string | undefined;
    try {
      await deps.finit.restart(`pod:${pod}`);
    } catch (e) {
      err = why(e);
    }
    done(pod, err ? `initctl restart pod:${pod} failed: ${err}` : `initctl restart pod:${pod}`);
  }
}

/** Forget which networks/volumes were created this boot, so sync creates the missing ones again. */
function resetResources(cfg: SyncConfig): void {
  removeIfExists(join(cfg.runDir, 'resources.json'));
}

export function formatFindings(fs: Finding[], fixed: boolean): string {
  if (fs.length === 0) return 'every pod is running\n';
  return `${fs
    .map((f) => {
      const who =
        f.pod !== undefined
          ? `pod:${printable(f.pod)}`
          : f.unit !== undefined
            ? printable(f.unit)
            : 'finit-pods';
      let s = `${who}: ${printable(f.problem)}`;
      if (f.done) s += `\n    fixed: ${printable(f.done)}`;
      else if (f.remedy)
        s += `\n    ${fixed ? 'not fixed' : 'fix'}: ${f.remedy}${fixed ? '' : '; run finit-pods doctor --fix'}`;
      return s;
    })
    .join('\n')}\n`;
}

export type { PodView };

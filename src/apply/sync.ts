// The sync engine: units directory → stanzas in Finit's directory, networks and volumes in
// podman, then one `initctl reload` when anything changed. Unchanged units leave their files
// byte-identical (Finit restarts a service whose .conf changed); a unit that breaks, or whose
// files cannot be written, or whose options this podman lacks (a key for a newer podman), keeps
// its last good stanza, so its pod keeps running; files finit-pods did not write are never
// touched. Stanzas and state are 0600: they hold the units' values. A reload that failed is owed
// until one succeeds (RUN_DIR/reload-pending).

import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Diagnostic, error, formatDiagnostic, hasErrors } from '../lib/diagnostics.js';
import { printable } from '../lib/text.js';
import type { OneShotModel } from '../model/commands.js';
import { defaultContainerName } from '../model/names.js';
import type { HostDeviceModel, ResourceModel } from '../model/resource.js';
import { translateDir, type UnitResult } from '../model/translate.js';
import { serviceDependencies } from '../render/dependencies.js';
import { type FinitCaps, finitCaps } from '../render/finit.js';
import { LABEL_BUILD } from '../render/labels.js';
import {
  fileStem,
  OWNER_MARK,
  READY_CONDITION,
  RUNNER_NAME,
  RUNNER_SCRIPT,
  renderPod,
  renderServiceUnit,
  type ServiceIdentity,
  type StanzaPaths,
} from '../render/stanza.js';
import { podArchive } from './archive.js';
import {
  type FileWrite,
  readFileIfExists,
  readStateFile,
  removeIfExists,
  removeStaleTemps,
  writeAllAtomic,
  writeAtomic,
  writeIfChanged,
} from './files.js';
import type { Finit } from './finit.js';
import { hashInput, type InputHash } from './inputs.js';
import {
  imagePresent,
  type LocalImages,
  NoArtifacts,
  type Podman,
  podmanCli,
  type RunOptions,
} from './podman.js';
import { attempt, type Runner } from './run.js';
import { missingOptionsRemedy, missingOptionsText, unknownRunOptions } from './run-options.js';

export interface SyncConfig {
  unitsDir: string;
  stanzaDir: string;
  /** Runtime state (tmpfs): which networks/volumes were created this boot. */
  runDir: string;
  cniDir: string;
  podman: string;
  /** Persistent state (auto-update's updates.json), beside podman's storage. */
  stateDir?: string;
}

export interface SyncDeps {
  finit: Finit;
  exec: Runner;
  /** Set the ready condition when it is not set (false during boot recovery, which sets it later). */
  setReady?: boolean;
  /**
   * Which pods' images to look for before writing their stanzas: 'all' at boot, 'changed' (the
   * default: only pods whose stanza would be written), 'none'. A pod whose image is missing gets
   * no stanza (it would only crash-loop) and is reported as "image missing"; an image given as
   * an archive (oci-archive:/path, docker-archive:/path) is loaded once.
   */
  checkImages?: 'all' | 'changed' | 'none';
  /** Where the local image list comes from (default: `podman images`). */
  localImages?: () => Promise<LocalImages>;
  /** The units as already translated for this Finit (a command's one snapshot); read here when absent. */
  units?: readonly UnitResult[];
}

export type UnitState = 'applied' | 'unchanged' | 'kept' | 'error' | 'waiting' | 'image-missing';

/** Stanza and argv files: they hold every value of the unit, so only root reads them. */
const STANZA_MODE = 0o600;

export interface UnitReport {
  file: string;
  kind: string;
  pod?: string;
  container?: string;
  image?: string;
  state: UnitState;
  stanza?: string;
  hash?: string;
  /**
   * What the unit waits for: 'image' (an image to appear in local storage), or the .image,
   * .build or .artifact unit (its file name) that has not yet made what this unit uses.
   */
  waitingFor?: string;
  diagnostics: Diagnostic[];
}

export interface SyncReport {
  units: UnitReport[];
  written: string[];
  removed: string[];
  reloaded: boolean;
  readySet: boolean;
  finitVersion: string;
  /** What went wrong beyond one unit (a state file set aside, the runner not written, a removal refused). */
  problems: string[];
  /** Something failed that may work later with no change to the units (a write, podman): try again. */
  retry: boolean;
  /** Image archives the units name (Image=oci-archive:/path): a new archive is a change too. */
  archives: string[];
  /** An image, build or artifact was made that other units wait for: plan again. */
  again?: boolean;
  /** True when every unit is usable and nothing else went wrong. */
  ok: boolean;
}

const STANZA_RE = /^((?:pod|podman-pod|kube)-.+)\.conf$/;
const ARGV_RE = /^((?:pod|podman-pod|kube)-.+)\.argv$/;

export const reloadPendingPath = (runDir: string) => join(runDir, 'reload-pending');

function resourceHash(m: ResourceModel | HostDeviceModel): string {
  return createHash('sha256')
    .update(JSON.stringify(m.kind === 'hostdevice' ? m.conflist : m.argv))
    .digest('hex')
    .slice(0, 16);
}

/** An archive a pod's image is loaded from (podArchive). */
type Archive = Exclude<ReturnType<typeof podArchive>, { error: string } | undefined>;

/** The units directory cannot be read (missing, renamed, unmounted): sync changed nothing. */
export class UnitsDirError extends Error {}

/** One file in the stanza directory as found: its text and mode, or why it is not a file of text. */
export type FoundFile = { text: string; mode: number } | { unreadable: string };

/** What is on disk now, read once before planning (readOnDisk): the plan's other input. */
export interface OnDisk {
  /** Stanza directory: file name → what is there (only pod-*.conf, pod-*.argv and the runner). */
  stanzas: ReadonlyMap<string, FoundFile>;
  /** resources.json: unit file name → hash of the network or volume created this boot. */
  resources: Readonly<Record<string, string>>;
  /** Each container unit whose Image= names an archive (by unit path) → its tags (podArchive), or why it cannot be had. */
  archives: ReadonlyMap<string, ReturnType<typeof podArchive>>;
  /** The files units read when they run (a .build's context, a .kube's YAML) → their content's hash. */
  inputs: ReadonlyMap<string, InputHash>;
  /** A reload failed and is still owed. */
  reloadPending: boolean;
}

/** A network or volume to create. */
export interface ResourceStep {
  report: UnitReport;
  filename: string;
  model: ResourceModel | HostDeviceModel;
  hash: string;
}

/** An .image, .build or .artifact unit to carry out: pull, build or pull the artifact when not present. */
export interface OneShotStep {
  report: UnitReport;
  filename: string;
  model: OneShotModel;
  hash: string;
}

/** A Finit service whose files are written (or whose image is looked at first). */
export interface PodStep {
  report: UnitReport;
  /** Its files are STEM.conf and STEM.argv (render/stanza.ts fileStem). */
  stem: string;
  /** The changed files, the argv file first: the runner reads it when Finit starts the pod. */
  files: FileWrite[];
  image: string;
  archive?: Archive;
  /** Whether the pod's image is looked for before its files are written. */
  checkImage: boolean;
  /** Its stanza is on disk now (a failure keeps it; without one a failure leaves no stanza). */
  hadStanza: boolean;
  /** The network and volume units it needs: if one cannot be created, its files are not written. */
  needs: readonly string[];
  /** A container's `podman run` options: one this podman lacks keeps its files from being written. */
  runArgs?: readonly string[];
}

/** Everything a sync changes, as data (planSync); carryOut does it. */
export interface SyncPlan {
  /** Every unit's report, in the order they are printed; the steps below fill them in. */
  reports: UnitReport[];
  resources: ResourceStep[];
  /** .image/.build/.artifact units to carry out, after the reload; their users wait for the next pass. */
  oneShots: OneShotStep[];
  /** Units waiting for one of `oneShots`: a pass after them applies these. */
  waiting: number;
  /** resources.json after the sync, before the creations in `resources` are added. */
  resourceState: Record<string, string>;
  pods: PodStep[];
  /** Stanza and argv files (owned, 0644 from an earlier version) to make 0600, unchanged. */
  chmod: string[];
  /** File stems of the services whose stanza stays: every other owned stanza is removed. */
  keep: Set<string>;
  /** Owned stanzas whose pod no unit defines any more, with their argv files. */
  remove: { conf: string; argv?: string }[];
  /** Owned argv files with no stanza beside them and no unit: no reload needed to remove them. */
  orphans: string[];
  /** The runner, when it must be (re)written. */
  runner?: FileWrite;
  reloadPending: boolean;
  /** The image archives units name. */
  archives: string[];
}

export async function sync(cfg: SyncConfig, deps: SyncDeps): Promise<SyncReport> {
  const version = await deps.finit.version();
  const caps: FinitCaps = finitCaps(version);
  let results: readonly UnitResult[];
  try {
    results = deps.units ?? translateDir(cfg.unitsDir, { maxPodName: caps.maxId }).results;
  } catch (e) {
    // A missing or unreadable units directory must never stop pods: change nothing.
    throw new UnitsDirError(
      `cannot read the units directory ${cfg.unitsDir}: ${(e as Error).message}; nothing was changed`,
    );
  }
  mkdirSync(cfg.stanzaDir, { recursive: true });
  mkdirSync(cfg.runDir, { recursive: true });
  // what a writer killed mid-write left (sync runs under the lock: no other writer is at work)
  removeStaleTemps(cfg.stanzaDir);
  removeStaleTemps(cfg.runDir);
  const paths = { stanzaDir: cfg.stanzaDir, podman: cfg.podman, initctl: deps.finit.initctl };
  // A second pass applies the units that waited for an image, build or artifact the first made.
  let rep: SyncReport | undefined;
  for (let pass = 0; pass < 2; pass++) {
    const { onDisk, problems } = readOnDisk(cfg, results);
    const plan = planSync(results, onDisk, caps, paths, deps.checkImages ?? 'changed');
    const now = await carryOut(plan, cfg, deps);
    now.problems.unshift(...problems);
    now.ok &&= problems.length === 0;
    if (rep) {
      now.written.unshift(...rep.written);
      now.removed.unshift(...rep.removed);
      now.reloaded ||= rep.reloaded;
      now.readySet ||= rep.readySet;
      now.retry ||= rep.retry;
      // what the first pass did to a unit the second left as it found it
      now.units = now.units.map((u) => {
        const first = rep!.units.find((f) => f.file === u.file);
        return first && u.state === 'unchanged' && first.state !== 'unchanged' ? first : u;
      });
    }
    rep = now;
    if (!now.again) break;
  }
  rep!.finitVersion = version;
  return rep!;
}

const isResourceState = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((h) => typeof h === 'string');

/** The edge that reads: the stanza directory, resources.json (a corrupt one set aside), archives. */
export function readOnDisk(
  cfg: SyncConfig,
  results: readonly UnitResult[],
): { onDisk: OnDisk; problems: string[] } {
  const problems: string[] = [];
  const stanzas = new Map<string, FoundFile>();
  for (const f of readdirSync(cfg.stanzaDir)) {
    if (!STANZA_FILE_RE.test(f) && f !== RUNNER_NAME) continue;
    try {
      const found = readFileIfExists(join(cfg.stanzaDir, f));
      if (found) stanzas.set(f, { text: found.text, mode: found.mode });
    } catch (e) {
      // a directory, a FIFO or a device in its place: never opened, never replaced
      stanzas.set(f, { unreadable: (e as Error).message });
    }
  }
  const statePath = join(cfg.runDir, 'resources.json');
  const read = readStateFile(statePath, isResourceState, { setAside: true });
  if (read.why)
    problems.push(
      `${statePath} is corrupt (${read.why}); ${read.setAside ? `moved to ${read.setAside}; ` : ''}networks and volumes are checked again`,
    );
  const archives = new Map<string, ReturnType<typeof podArchive>>();
  const inputs = new Map<string, InputHash>();
  const own = new Set([cfg.stanzaDir, cfg.runDir, cfg.stateDir].flatMap((d) => (d ? [resolve(d)] : [])));
  for (const r of results) {
    const a = r.model?.kind === 'container' ? podArchive(r.model) : undefined;
    if (a) archives.set(r.path, a);
    if (r.ok && r.model && 'inputs' in r.model)
      for (const f of r.model.inputs ?? []) if (!inputs.has(f)) inputs.set(f, hashInput(f, own));
  }
  const onDisk = {
    stanzas,
    resources: read.value ?? {},
    archives,
    inputs,
    reloadPending: existsSync(reloadPendingPath(cfg.runDir)),
  };
  return { onDisk, problems };
}

const STANZA_FILE_RE = /^(pod|podman-pod|kube)-.+\.(conf|argv)$/;
const owned = (f: FoundFile | undefined): f is { text: string; mode: number } =>
  f !== undefined && 'text' in f && f.text.startsWith(OWNER_MARK);

/**
 * What a sync changes, from what the units say and what is on disk; pure (no file, no program).
 * A unit that is broken keeps its owned stanza ('kept'); unchanged files are left byte-identical.
 */
export function planSync(
  results: readonly UnitResult[],
  onDisk: OnDisk,
  caps: FinitCaps,
  paths: StanzaPaths,
  checkImages: 'all' | 'changed' | 'none',
): SyncPlan {
  const plan: SyncPlan = {
    reports: [],
    resources: [],
    oneShots: [],
    waiting: 0,
    resourceState: {},
    pods: [],
    chmod: [],
    keep: new Set(),
    remove: [],
    orphans: [],
    reloadPending: onDisk.reloadPending,
    archives: [],
  };
  onDisk.archives.forEach((a) => {
    if (a && 'path' in a && !plan.archives.includes(a.path)) plan.archives.push(a.path);
  });
  const broken = new Set<string>(); // unit files that are not usable
  for (const r of results) if (!r.ok) broken.add(r.name.filename);
  const byFile = new Map(results.map((r) => [r.name.filename, r]));
  const containers = results.filter((r) => r.name.kind === 'container' && !r.name.isTemplate);
  const duplicate = duplicates(containers);

  // Images, builds and artifacts: carried out after this pass's reload; what uses them waits.
  const pending = new Set<string>();
  for (const r of results) {
    if (r.name.kind !== 'image' && r.name.kind !== 'build' && r.name.kind !== 'artifact') continue;
    const report: UnitReport = {
      file: r.path,
      kind: r.name.kind,
      state: 'unchanged',
      diagnostics: r.diagnostics,
    };
    plan.reports.push(report);
    const done = onDisk.resources[r.name.filename];
    if (!r.ok || r.model?.kind !== r.name.kind) {
      report.state = 'error';
      if (done) plan.resourceState[r.name.filename] = done;
      continue;
    }
    const model = r.model as OneShotModel;
    const inputs = (model.inputs ?? []).map((f) => onDisk.inputs.get(f));
    const unreadable = inputs.find((i) => i && 'error' in i);
    if (unreadable && 'error' in unreadable) {
      report.state = 'error';
      report.diagnostics.push(error({ file: r.path, line: 0 }, `cannot read its input ${unreadable.error}`));
      broken.add(r.name.filename);
      continue;
    }
    const hash = createHash('sha256')
      .update(JSON.stringify([model.commands, inputs]))
      .digest('hex')
      .slice(0, 16);
    if (done === hash) plan.resourceState[r.name.filename] = hash;
    else {
      plan.oneShots.push({ report, filename: r.name.filename, model, hash });
      pending.add(r.name.filename);
    }
  }
  /** The image, build or artifact unit a unit waits for (through the units it needs), if any. */
  const waitsFor = (r: UnitResult, seen = new Set<string>()): string | undefined => {
    const needs = r.model && 'needs' in r.model ? (r.model.needs ?? []) : [];
    for (const f of needs) {
      if (pending.has(f)) return f;
      const dep = byFile.get(f);
      if (dep && !seen.has(f)) {
        seen.add(f);
        const w = waitsFor(dep, seen);
        if (w) return w;
      }
    }
    return undefined;
  };

  // Networks and volumes first: pods need them. Created once per boot per definition.
  for (const r of results) {
    if (r.name.kind !== 'network' && r.name.kind !== 'volume') continue;
    const report: UnitReport = {
      file: r.path,
      kind: r.name.kind,
      state: 'unchanged',
      diagnostics: r.diagnostics,
    };
    plan.reports.push(report);
    const created = onDisk.resources[r.name.filename];
    const m = r.model;
    if (!r.ok || !m || (m.kind !== 'network' && m.kind !== 'volume' && m.kind !== 'hostdevice')) {
      report.state = 'error';
      if (created) plan.resourceState[r.name.filename] = created;
      continue;
    }
    const hash = resourceHash(m);
    const waiting = waitsFor(r);
    if (created === hash) plan.resourceState[r.name.filename] = hash;
    else if (waiting) {
      report.state = 'waiting';
      report.waitingFor = waiting;
      plan.waiting++;
    } else plan.resources.push({ report, filename: r.name.filename, model: m, hash });
  }

  // what each service waits for, and the Finit service of each unit: what others wait for
  const { serviceOf, dependsOn: dependsOnOf } = serviceDependencies(results);

  let runnerNeeded = false;
  const services = results.filter(
    (r) =>
      (r.name.kind === 'container' || r.name.kind === 'pod' || r.name.kind === 'kube') && !r.name.isTemplate,
  );
  for (const r of services) {
    const identity: ServiceIdentity =
      serviceOf.get(r.name.filename) ??
      (r.name.kind === 'container'
        ? { name: 'pod', id: defaultContainerName(r.name) }
        : { name: r.name.kind === 'pod' ? 'podman-pod' : 'kube', id: r.name.stem });
    const stem = fileStem(identity);
    const confName = `${stem}.conf`;
    const argvName = `${stem}.argv`;
    const report: UnitReport = {
      file: r.path,
      kind: r.name.kind,
      state: 'unchanged',
      stanza: join(paths.stanzaDir, confName),
      diagnostics: r.diagnostics,
    };
    if (r.name.kind === 'container') report.pod = identity.id;
    plan.reports.push(report);
    const at = { file: r.path, line: 0 };
    const dup = duplicate.get(r);
    if (dup) report.diagnostics.push(error(at, dup));
    const oldConf = onDisk.stanzas.get(confName);
    const oldArgv = onDisk.stanzas.get(argvName);
    const keepOld = (state: UnitState = 'error') => {
      // broken or waiting: the last good stanza stays (its pod keeps running), and the unit says why
      report.state = owned(oldConf) ? 'kept' : state;
      if (owned(oldConf)) {
        plan.keep.add(stem);
        runnerNeeded = true;
      }
    };
    const m = r.model;
    if (
      !m ||
      (m.kind !== 'container' && m.kind !== 'pod' && m.kind !== 'kube') ||
      !r.ok ||
      dup ||
      m.needs.some((f) => broken.has(f))
    ) {
      keepOld();
      continue;
    }
    const waiting = waitsFor(r);
    if (waiting) {
      report.waitingFor = waiting;
      plan.waiting++;
      keepOld('waiting');
      continue;
    }
    let rendered: { conf: string; argv: string; hash: string; diagnostics: Diagnostic[] };
    let image = '';
    let archive: Archive | undefined;
    if (m.kind === 'container') {
      let cm = m;
      const a = onDisk.archives.get(r.path);
      if (a && 'error' in a) {
        report.diagnostics.push(error(at, a.error));
        keepOld();
        continue;
      }
      if (a) {
        cm = { ...m, image: a.tag };
        archive = a;
      }
      report.container = cm.containerName;
      report.image = cm.image;
      image = cm.image;
      rendered = renderPod(cm, caps, paths, dependsOnOf(r.name.filename, m.needs, m.service));
    } else {
      const yaml = m.kind === 'kube' && m.inputs?.[0] ? onDisk.inputs.get(m.inputs[0]) : undefined;
      if (yaml && 'error' in yaml) {
        report.diagnostics.push(error(at, `cannot read ${yaml.error}`));
        keepOld();
        continue;
      }
      rendered = renderServiceUnit(
        m,
        caps,
        paths,
        dependsOnOf(r.name.filename, m.needs, m.service),
        yaml?.sha256,
      );
    }
    report.diagnostics.push(...rendered.diagnostics);
    if (hasErrors(rendered.diagnostics)) {
      keepOld();
      continue;
    }
    const unreadable = [oldConf, oldArgv].find((f) => f !== undefined && 'unreadable' in f);
    if (unreadable && 'unreadable' in unreadable) {
      const name = oldConf === unreadable ? confName : argvName;
      report.state = 'error';
      report.diagnostics.push(
        error(
          at,
          `${join(paths.stanzaDir, name)} is ${unreadable.unreadable}; it is left alone and the pod gets no stanza`,
        ),
      );
      continue;
    }
    if ((oldConf && !owned(oldConf)) || (oldArgv && !owned(oldArgv))) {
      report.state = 'error';
      report.diagnostics.push(
        error(
          at,
          `${join(paths.stanzaDir, confName)} exists and was not written by finit-pods; it is left alone`,
        ),
      );
      continue;
    }
    report.hash = rendered.hash;
    plan.keep.add(stem);
    runnerNeeded = true;
    const files: FileWrite[] = [];
    if (oldArgv?.text !== rendered.argv)
      files.push({ path: join(paths.stanzaDir, argvName), content: rendered.argv, mode: STANZA_MODE });
    if (oldConf?.text !== rendered.conf)
      files.push({ path: join(paths.stanzaDir, confName), content: rendered.conf, mode: STANZA_MODE });
    // files of an earlier version, written readable to all: made 0600, content unchanged
    for (const [name, old] of [
      [argvName, oldArgv],
      [confName, oldConf],
    ] as const) {
      if (owned(old) && (old.mode & 0o077) !== 0 && !files.some((f) => f.path.endsWith(`/${name}`)))
        plan.chmod.push(join(paths.stanzaDir, name));
    }
    const checkImage =
      m.kind === 'container' && (checkImages === 'all' || (checkImages === 'changed' && files.length > 0));
    if (files.length > 0 || checkImage) {
      const step: PodStep = {
        report,
        stem,
        files,
        image,
        checkImage,
        hadStanza: oldConf !== undefined,
        needs: m.needs.filter((f) => f.endsWith('.network') || f.endsWith('.volume')),
      };
      if (archive) step.archive = archive;
      if (m.kind === 'container') step.runArgs = m.runArgs;
      plan.pods.push(step);
    }
  }

  const runner = onDisk.stanzas.get(RUNNER_NAME);
  if (runnerNeeded && !(runner && 'text' in runner && runner.text === RUNNER_SCRIPT))
    plan.runner = { path: join(paths.stanzaDir, RUNNER_NAME), content: RUNNER_SCRIPT, mode: 0o755 };

  // Our stanzas whose unit is gone, and an argv file of ours left without its stanza (a writer
  // killed between the two removals).
  for (const [f, found] of onDisk.stanzas) {
    const m = f.match(STANZA_RE);
    if (!m || plan.keep.has(m[1]!) || !owned(found)) continue;
    const argv = `${m[1]}.argv`;
    plan.remove.push({
      conf: join(paths.stanzaDir, f),
      ...(owned(onDisk.stanzas.get(argv)) ? { argv: join(paths.stanzaDir, argv) } : {}),
    });
  }
  for (const [f, found] of onDisk.stanzas) {
    const m = f.match(ARGV_RE);
    if (!m || plan.keep.has(m[1]!) || !owned(found) || onDisk.stanzas.has(`${m[1]}.conf`)) continue;
    plan.orphans.push(join(paths.stanzaDir, f));
  }
  return plan;
}

/** Pod and container names must be unique across the directory: unit → why it is a duplicate. */
function duplicates(containers: readonly UnitResult[]): Map<UnitResult, string> {
  const out = new Map<UnitResult, string>();
  const seenPod = new Map<string, string>();
  const seenContainer = new Map<string, string>();
  for (const r of containers) {
    if (!r.ok || r.model?.kind !== 'container') continue;
    const { pod, containerName } = r.model;
    const first = seenPod.get(pod) ?? seenContainer.get(containerName);
    if (first) {
      out.set(r, `pod "${pod}" / container "${containerName}" is already defined by ${first}`);
      continue;
    }
    seenPod.set(pod, r.path);
    seenContainer.set(containerName, r.path);
  }
  return out;
}

/**
 * Carries a plan out, in one place: networks and volumes, then each pod's image and files (a pod
 * whose network could not be created, whose image is missing or whose files cannot be written
 * keeps its stanza), the runner, the stale stanzas, then one reload when a stanza changed.
 */
async function carryOut(plan: SyncPlan, cfg: SyncConfig, deps: SyncDeps): Promise<SyncReport> {
  const written: string[] = [];
  const removed: string[] = [];
  const problems: string[] = [];
  let retry = false;

  const failedResources = new Set<string>();
  const resourceState = { ...plan.resourceState };
  for (const step of plan.resources) {
    const why = await createResource(step.model, cfg, deps.exec);
    if (why) {
      step.report.diagnostics.push(error({ file: step.report.file, line: 0 }, why));
      step.report.state = 'error';
      failedResources.add(step.filename);
      retry = true;
    } else {
      step.report.state = 'applied';
      resourceState[step.filename] = step.hash;
    }
  }
  try {
    writeIfChanged(join(cfg.runDir, 'resources.json'), `${JSON.stringify(resourceState, null, 1)}\n`);
  } catch (e) {
    problems.push(`${(e as Error).message}; networks and volumes are checked again at the next sync`);
    retry = true;
  }

  const podman = podmanCli(cfg.podman, deps.exec);
  const images = new ImageCache(podman, deps.localImages ?? (() => podman.images()));
  const options = new RunOptionsCache(podman, problems);
  for (const step of plan.pods) {
    const { report } = step;
    const at = { file: report.file, line: 0 };
    if (step.needs.some((f) => failedResources.has(f))) {
      report.state = step.hadStanza ? 'kept' : 'error';
      if (!step.hadStanza) plan.keep.delete(step.stem);
      continue;
    }
    if (step.checkImage) {
      const missing = await ensureImage(step.image, step.archive, images);
      if (missing && step.hadStanza && step.files.length > 0) {
        // an edit to an image that is not here: the pod keeps its last good stanza
        report.state = 'kept';
        report.waitingFor = 'image';
        report.diagnostics.push(error(at, `${missing}; the pod keeps running as it was`));
        continue;
      }
      if (missing) {
        report.state = 'image-missing';
        report.waitingFor = 'image';
        report.diagnostics.push(error(at, `${missing}; the pod is not started`));
        // no stanza: it could only crash-loop; the next sync looks again
        if (plan.keep.delete(step.stem) && step.hadStanza) {
          const conf = join(cfg.stanzaDir, `${step.stem}.conf`);
          plan.remove.push({ conf, argv: join(cfg.stanzaDir, `${step.stem}.argv`) });
        }
        continue;
      }
    }
    if (step.files.length === 0) continue;
    // a pod this podman would refuse (a key for a newer podman) never replaces the one that runs
    const unknown = step.runArgs ? await options.unknown(step.runArgs) : [];
    if (unknown.length > 0) {
      const why = `${missingOptionsText(unknown, undefined, await options.version())}: ${missingOptionsRemedy(unknown)}`;
      if (step.hadStanza) {
        report.state = 'kept';
        report.diagnostics.push(error(at, `${why}; the pod keeps running as it was`));
      } else {
        report.state = 'error';
        report.diagnostics.push(error(at, `${why}; the pod is not started`));
        plan.keep.delete(step.stem);
      }
      continue;
    }
    try {
      writeAllAtomic(step.files);
    } catch (e) {
      report.state = step.hadStanza ? 'kept' : 'error';
      const then = step.hadStanza
        ? 'the last stanza is kept and the pod keeps running as it was'
        : 'the pod gets no stanza';
      report.diagnostics.push(error(at, `${(e as Error).message}; ${then}`));
      if (!step.hadStanza) plan.keep.delete(step.stem);
      retry = true;
      continue;
    }
    for (const f of step.files) written.push(f.path);
    report.state = 'applied';
  }
  for (const f of plan.chmod) {
    try {
      chmodSync(f, STANZA_MODE);
    } catch (e) {
      problems.push(`cannot make ${f} private (chmod 600): ${(e as Error).message}`);
    }
  }

  if (plan.runner) {
    try {
      writeAllAtomic([plan.runner]);
      written.push(plan.runner.path);
    } catch (e) {
      problems.push(`${(e as Error).message}; pods cannot start until it is written`);
      retry = true;
    }
  }

  for (const r of plan.remove) {
    try {
      removeIfExists(r.conf);
    } catch (e) {
      problems.push(`cannot remove ${r.conf}: ${(e as Error).message}`);
      retry = true;
      continue;
    }
    removed.push(r.conf);
    try {
      if (r.argv) removeIfExists(r.argv);
    } catch {
      // the stanza is gone, so Finit no longer runs the pod; the argv file is only read by its runner
    }
  }

  for (const f of plan.orphans) {
    try {
      removeIfExists(f);
    } catch {
      // tried again at the next sync; nothing reads an argv file without its stanza
    }
  }

  // A reload that failed is owed: the files it was for are already in place and unchanged now.
  const pending = reloadPendingPath(cfg.runDir);
  let reloaded = false;
  if (written.some((p) => p.endsWith('.conf')) || removed.length > 0 || plan.reloadPending) {
    try {
      writeAtomic(pending, '');
    } catch {
      // a full run dir: the reload is still tried now; only its retry after a failure is lost
    }
    await deps.finit.reload();
    removeIfExists(pending);
    reloaded = true;
  }
  // Images, builds and artifacts: after the reload, so the pods that need none of them run
  // meanwhile; what waits for one is applied by the next pass (sync's `again`).
  let made = false;
  for (const step of plan.oneShots) {
    const failed = await carryOutOneShot(step, podman, images);
    if (failed) {
      step.report.state = 'error';
      step.report.diagnostics.push(error({ file: step.report.file, line: 0 }, failed.error));
      retry ||= failed.retry;
      continue;
    }
    step.report.state = 'applied';
    resourceState[step.filename] = step.hash;
    made = true;
  }
  if (plan.oneShots.length > 0) {
    try {
      writeIfChanged(join(cfg.runDir, 'resources.json'), `${JSON.stringify(resourceState, null, 1)}\n`);
    } catch (e) {
      problems.push(`${(e as Error).message}; images and builds are checked again at the next sync`);
      retry = true;
    }
  }
  let readySet = false;
  if (deps.setReady !== false && !(await deps.finit.condGet(READY_CONDITION))) {
    await deps.finit.condSet(READY_CONDITION);
    readySet = true;
  }
  const units = plan.reports;
  const ok = problems.length === 0 && units.every((r) => r.state === 'applied' || r.state === 'unchanged');
  const archives = [...plan.archives];
  const again = made && plan.waiting > 0;
  return {
    units,
    written,
    removed,
    reloaded,
    readySet,
    finitVersion: '',
    problems,
    retry,
    archives,
    ok,
    again,
  };
}

/** A pull or a build may take minutes on a slow link or a small board; it still ends. */
const PULL_TIMEOUT_MS = 30 * 60_000;
const BUILD_TIMEOUT_MS = 60 * 60_000;

/**
 * Makes an image, build or artifact present, or says why it could not. Never again once present:
 * an image is pulled only when it is missing (not at every boot), a build is done again only
 * when its inputs changed (its image's label says what it was built from).
 */
async function carryOutOneShot(
  step: OneShotStep,
  podman: Podman,
  images: ImageCache,
): Promise<{ error: string; retry: boolean } | undefined> {
  const { model, hash } = step;
  const argv = model.commands.argv;
  try {
    if (model.kind === 'image') {
      if (await images.has(model.resource)) return undefined;
      await podman.runUnitCommand(argv, PULL_TIMEOUT_MS);
      images.forget();
      return undefined;
    }
    if (model.kind === 'build') {
      if ((await podman.imageLabel(model.resource, LABEL_BUILD)) === hash) return undefined;
      const at = argv.indexOf('build') + 1;
      const labelled = [...argv.slice(0, at), '--label', `${LABEL_BUILD}=${hash}`, ...argv.slice(at)];
      await podman.runUnitCommand(labelled, BUILD_TIMEOUT_MS, model.commands.workingDirectory);
      images.forget();
      return undefined;
    }
    if (await podman.hasArtifact(model.resource)) return undefined;
    await podman.runUnitCommand(argv, PULL_TIMEOUT_MS);
    return undefined;
  } catch (e) {
    // a podman without artifacts will not have them later: said once, not retried
    if (e instanceof NoArtifacts)
      return { error: `${e.message}: ${model.resource} cannot be pulled here`, retry: false };
    return { error: `${(e as Error).message}; tried again later`, retry: true };
  }
}

/**
 * The options `podman run` has, read at most once per sync and only when a changed pod needs them.
 * A failed read is said once in `problems`, and the pods are written as they would be without it.
 */
class RunOptionsCache {
  private known: Promise<{ value: RunOptions } | { error: string }> | undefined;
  private podmanVersion: Promise<{ value: string } | { error: string }> | undefined;
  constructor(
    readonly podman: Podman,
    readonly problems: string[],
  ) {}
  async unknown(runArgs: readonly string[]): Promise<string[]> {
    if (!this.known) {
      this.known = attempt(() => this.podman.runOptions());
      const got = await this.known;
      if ('error' in got)
        this.problems.push(`cannot tell which options podman has: ${got.error}; pods are written unchecked`);
    }
    const got = await this.known;
    return 'value' in got ? unknownRunOptions(runArgs, got.value) : [];
  }
  /** For the wording only: undefined when podman does not say. */
  async version(): Promise<string | undefined> {
    this.podmanVersion ??= attempt(() => this.podman.version());
    const v = await this.podmanVersion;
    return 'value' in v ? v.value : undefined;
  }
}

/** The local image list, read at most once per sync and only when a pod needs it. */
class ImageCache {
  private local: LocalImages | undefined;
  constructor(
    readonly podman: Podman,
    readonly list: () => Promise<LocalImages>,
  ) {}
  async has(ref: string): Promise<boolean> {
    this.local ??= await this.list();
    return imagePresent(ref, this.local);
  }
  /** The list is read again when next needed (an image was pulled or built). */
  forget(): void {
    this.local = undefined;
  }
  async loadAs(path: string, tags: readonly string[]): Promise<void> {
    const id = await this.podman.load(path);
    for (const tag of new Set(tags)) {
      await this.podman.tag(id, tag);
      this.local?.names.add(tag);
    }
  }
}

/** Returns why the image cannot be had, or undefined when it is present (loading an archive if needed). */
async function ensureImage(
  image: string,
  archive: Archive | undefined,
  images: ImageCache,
): Promise<string | undefined> {
  if (await images.has(image)) return undefined;
  if (archive) {
    try {
      // the identity tag too: auto-update knows this archive is loaded (update/observe.ts)
      await images.loadAs(archive.path, [archive.tag, archive.identity]);
      return undefined;
    } catch (e) {
      return `image missing: loading ${archive.path} failed: ${(e as Error).message}`;
    }
  }
  return `image missing: ${image} is not in local storage and no archive is named (Image=oci-archive:/path loads one)`;
}

async function createResource(
  m: ResourceModel | HostDeviceModel,
  cfg: SyncConfig,
  exec: Runner,
): Promise<string | undefined> {
  if (m.kind === 'hostdevice') {
    const info = await exec(cfg.podman, ['info', '--format', '{{.Host.NetworkBackend}}'], {
      timeoutMs: 30_000,
    });
    const backend = info.stdout.trim();
    if (backend && backend !== 'cni') {
      return `a [HostDevice] network needs Podman's CNI network backend; this Podman uses ${backend}`;
    }
    try {
      mkdirSync(cfg.cniDir, { recursive: true });
      writeAtomic(
        join(cfg.cniDir, `90-${m.resource}-host.conflist`),
        `${JSON.stringify(m.conflist, null, 2)}\n`,
        0o644,
      );
    } catch (e) {
      return (e as Error).message;
    }
    return undefined;
  }
  // Without --ignore (Podman 4.3 does not have it): an "already exists" answer means the same.
  const [file, ...args] = m.argv.filter((a) => a !== '--ignore');
  const r = await exec(file === '/usr/bin/podman' ? cfg.podman : file!, args, { timeoutMs: 60_000 });
  if (r.exitCode !== 0 && !/already exists/i.test(r.stderr)) {
    return `podman ${m.kind} create failed: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`;
  }
  return undefined;
}

export function formatReport(rep: SyncReport): string[] {
  const lines: string[] = [];
  for (const u of rep.units) {
    for (const d of u.diagnostics) lines.push(formatDiagnostic(d));
  }
  for (const p of rep.problems ?? []) lines.push(`error: ${printable(p)}`);
  return lines;
}

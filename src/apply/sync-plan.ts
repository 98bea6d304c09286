// Planning a sync, as data: what the units say (translated) and what is on disk (readOnDisk)
// → which files to write or remove, which networks, volumes, images and builds to make, and
// each unit's report. Pure: no file, no program (sync.ts carries the plan out). A unit that is
// broken or waits keeps its owned stanza ('kept'); unchanged files are left byte-identical.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type Diagnostic, error, hasErrors } from '../lib/diagnostics.js';
import type { OneShotModel } from '../model/commands.js';
import { defaultContainerName } from '../model/names.js';
import type { HostDeviceModel, ResourceModel } from '../model/resource.js';
import type { UnitResult } from '../model/translate.js';
import { serviceDependencies } from '../render/dependencies.js';
import type { FinitCaps } from '../render/finit.js';
import {
  fileStem,
  OWNER_MARK,
  RUNNER_NAME,
  RUNNER_SCRIPT,
  renderPod,
  renderServiceUnit,
  SERVICE_FILE,
  type ServiceIdentity,
  type StanzaPaths,
  stanzaSource,
  stemIdentity,
} from '../render/stanza.js';
import type { podArchive } from './archive.js';
import type { FileWrite } from './files.js';
import type { InputHash } from './inputs.js';

export type UnitState = 'applied' | 'unchanged' | 'kept' | 'error' | 'waiting' | 'image-missing';

/** Stanza and argv files: they hold every value of the unit, so only root reads them. */
export const STANZA_MODE = 0o600;

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

function resourceHash(m: ResourceModel | HostDeviceModel): string {
  return createHash('sha256')
    .update(JSON.stringify(m.kind === 'hostdevice' ? m.conflist : m.argv))
    .digest('hex')
    .slice(0, 16);
}

/** An archive a pod's image is loaded from (podArchive). */
export type Archive = Exclude<ReturnType<typeof podArchive>, { error: string } | undefined>;

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

const owned = (f: FoundFile | undefined): f is { text: string; mode: number } =>
  f !== undefined && 'text' in f && f.text.startsWith(OWNER_MARK);

/** Which units' images are looked for before their files are written (SyncDeps.checkImages). */
export type CheckImages = 'all' | 'changed' | 'none';

/**
 * What a sync changes, from what the units say and what is on disk, in the order carryOut does
 * it: images, builds and artifacts; networks and volumes; the services; the runner; the stanzas
 * whose unit is gone.
 */
export function planSync(
  results: readonly UnitResult[],
  onDisk: OnDisk,
  caps: FinitCaps,
  paths: StanzaPaths,
  checkImages: CheckImages,
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
  for (const a of onDisk.archives.values())
    if (a && 'path' in a && !plan.archives.includes(a.path)) plan.archives.push(a.path);
  // unit files that are not usable: what needs one keeps its stanza
  const broken = new Set(results.filter((r) => !r.ok).map((r) => r.name.filename));
  const pending = planOneShots(plan, results, onDisk, broken);
  const waitsFor = waitingFor(results, pending);
  planResources(plan, results, onDisk, waitsFor);

  const { serviceOf, dependsOn } = serviceDependencies(results);
  const ctx: ServiceContext = {
    plan,
    onDisk,
    caps,
    paths,
    checkImages,
    broken,
    waitsFor,
    dependsOn,
    writtenFrom: writtenFrom(onDisk.stanzas),
  };
  const services = results.filter(
    (r) =>
      (r.name.kind === 'container' || r.name.kind === 'pod' || r.name.kind === 'kube') && !r.name.isTemplate,
  );
  const duplicate = duplicates(services);
  for (const r of services) planService(ctx, r, serviceOf.get(r.name.filename), duplicate.get(r));

  const runner = onDisk.stanzas.get(RUNNER_NAME);
  if (plan.keep.size > 0 && !(runner && 'text' in runner && runner.text === RUNNER_SCRIPT))
    plan.runner = { path: join(paths.stanzaDir, RUNNER_NAME), content: RUNNER_SCRIPT, mode: 0o755 };
  planRemovals(plan, onDisk, paths);
  return plan;
}

/**
 * Images, builds and artifacts: carried out after this pass's reload, when what they make is not
 * made yet (a hash of their commands and inputs says). Returns the unit files still to be made.
 */
function planOneShots(
  plan: SyncPlan,
  results: readonly UnitResult[],
  onDisk: OnDisk,
  broken: Set<string>,
): Set<string> {
  const pending = new Set<string>();
  for (const r of results) {
    if (r.name.kind !== 'image' && r.name.kind !== 'build' && r.name.kind !== 'artifact') continue;
    const unit = madeOnce(plan, r, onDisk, r.model?.kind === r.name.kind);
    if (!unit) continue;
    const { report, done } = unit;
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
  return pending;
}

/** The image, build or artifact unit still `pending` that a unit waits for (through the units it needs), if any. */
function waitingFor(results: readonly UnitResult[], pending: ReadonlySet<string>) {
  const byFile = new Map(results.map((r) => [r.name.filename, r]));
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
  return (r: UnitResult) => waitsFor(r);
}

/**
 * The report of a unit that makes something once (an image, build, artifact, network or volume)
 * and what resources.json says was made for it. A unit that is not usable is an error (undefined)
 * and its record stays: what it made is not made again once it is mended.
 */
function madeOnce(
  plan: SyncPlan,
  r: UnitResult,
  onDisk: OnDisk,
  usable: boolean,
): { report: UnitReport; done: string | undefined } | undefined {
  const report: UnitReport = {
    file: r.path,
    kind: r.name.kind,
    state: 'unchanged',
    diagnostics: r.diagnostics,
  };
  plan.reports.push(report);
  const done = onDisk.resources[r.name.filename];
  if (r.ok && usable) return { report, done };
  report.state = 'error';
  if (done) plan.resourceState[r.name.filename] = done;
  return undefined;
}

/** Networks and volumes, before the pods that need them: created once per boot per definition. */
function planResources(
  plan: SyncPlan,
  results: readonly UnitResult[],
  onDisk: OnDisk,
  waitsFor: (r: UnitResult) => string | undefined,
): void {
  for (const r of results) {
    if (r.name.kind !== 'network' && r.name.kind !== 'volume') continue;
    const m = r.model;
    const isResource = m?.kind === 'network' || m?.kind === 'volume' || m?.kind === 'hostdevice';
    const unit = madeOnce(plan, r, onDisk, isResource);
    if (!unit || !isResource) continue;
    const { report, done: created } = unit;
    const hash = resourceHash(m);
    const waiting = waitsFor(r);
    if (created === hash) plan.resourceState[r.name.filename] = hash;
    else if (waiting) {
      report.state = 'waiting';
      report.waitingFor = waiting;
      plan.waiting++;
    } else plan.resources.push({ report, filename: r.name.filename, model: m, hash });
  }
}

/** What planning one service needs besides its unit: the plan so far and what the others say. */
interface ServiceContext {
  plan: SyncPlan;
  onDisk: OnDisk;
  caps: FinitCaps;
  paths: StanzaPaths;
  checkImages: CheckImages;
  broken: ReadonlySet<string>;
  waitsFor: (r: UnitResult) => string | undefined;
  dependsOn: ReturnType<typeof serviceDependencies>['dependsOn'];
  /** Unit file → the stem of the owned stanza last written from it. */
  writtenFrom: ReadonlyMap<string, string>;
}

/** Unit file → the stem of the owned stanza written from it, as each stanza's first line says. */
export function writtenFrom(stanzas: ReadonlyMap<string, FoundFile>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [f, found] of stanzas) {
    const [, stem, ext] = f.match(SERVICE_FILE) ?? [];
    const source = stem && ext === 'conf' && owned(found) ? stanzaSource(found.text) : undefined;
    if (source !== undefined && !out.has(source)) out.set(source, stem!);
  }
  return out;
}

/**
 * One container, pod or kube unit: its stanza and argv rendered and compared with those on disk.
 * A unit that cannot be rendered, or waits, keeps its owned stanza; files finit-pods did not
 * write are left alone, and the unit gets no stanza.
 */
function planService(
  ctx: ServiceContext,
  r: UnitResult,
  service: ServiceIdentity | undefined,
  duplicate: string | undefined,
): void {
  const { plan, onDisk, paths } = ctx;
  const identity: ServiceIdentity =
    service ??
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
  if (duplicate) report.diagnostics.push(error(at, duplicate));
  const oldConf = onDisk.stanzas.get(confName);
  const oldArgv = onDisk.stanzas.get(argvName);
  const keepOld = (state: UnitState = 'error') => {
    // Broken or waiting: the last good stanza stays (its pod keeps running), and the unit says
    // why. That is the one written from this file, whatever pod it names now (an unreadable
    // file, or an edit of ServiceName=, names another or none), else the one of its name.
    const kept = ctx.writtenFrom.get(r.path) ?? (owned(oldConf) ? stem : undefined);
    report.state = kept ? 'kept' : state;
    if (!kept) return;
    plan.keep.add(kept);
    report.stanza = join(paths.stanzaDir, `${kept}.conf`);
    const was = stemIdentity(kept);
    if (r.name.kind === 'container' && was?.name === 'pod') report.pod = was.id;
  };
  const m = r.model;
  if (
    !m ||
    (m.kind !== 'container' && m.kind !== 'pod' && m.kind !== 'kube') ||
    !r.ok ||
    duplicate ||
    m.needs.some((f) => ctx.broken.has(f))
  ) {
    keepOld();
    return;
  }
  const waiting = ctx.waitsFor(r);
  if (waiting) {
    report.waitingFor = waiting;
    plan.waiting++;
    keepOld('waiting');
    return;
  }
  const rendered = renderService(ctx, r, m, report);
  if (!rendered || hasErrors(rendered.diagnostics)) {
    keepOld();
    return;
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
    return;
  }
  if ((oldConf && !owned(oldConf)) || (oldArgv && !owned(oldArgv))) {
    report.state = 'error';
    report.diagnostics.push(
      error(
        at,
        `${join(paths.stanzaDir, confName)} exists and was not written by finit-pods; it is left alone`,
      ),
    );
    return;
  }
  report.hash = rendered.hash;
  plan.keep.add(stem);
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
    m.kind === 'container' &&
    (ctx.checkImages === 'all' || (ctx.checkImages === 'changed' && files.length > 0));
  if (files.length === 0 && !checkImage) return;
  const step: PodStep = {
    report,
    stem,
    files,
    image: rendered.image ?? '',
    checkImage,
    hadStanza: oldConf !== undefined,
    needs: m.needs.filter((f) => f.endsWith('.network') || f.endsWith('.volume')),
  };
  if (rendered.archive) step.archive = rendered.archive;
  if (m.kind === 'container') step.runArgs = m.runArgs;
  plan.pods.push(step);
}

type ServiceModel = Extract<NonNullable<UnitResult['model']>, { kind: 'container' | 'pod' | 'kube' }>;

/** A service's files as rendered, and a container's image (and the archive it is loaded from). */
interface Rendered {
  conf: string;
  argv: string;
  hash: string;
  diagnostics: Diagnostic[];
  image?: string;
  archive?: Archive;
}

/**
 * A service's stanza and argv, with a container's image (from its archive when Image= names one);
 * undefined, with the reason in the report, when a file it reads cannot be read.
 */
function renderService(
  ctx: ServiceContext,
  r: UnitResult,
  m: ServiceModel,
  report: UnitReport,
): Rendered | undefined {
  const at = { file: r.path, line: 0 };
  const deps = ctx.dependsOn(r.name.filename, m.needs, m.service);
  let rendered: Rendered;
  if (m.kind === 'container') {
    const a = ctx.onDisk.archives.get(r.path);
    if (a && 'error' in a) {
      report.diagnostics.push(error(at, a.error));
      return undefined;
    }
    const cm = a ? { ...m, image: a.tag } : m;
    report.container = cm.containerName;
    report.image = cm.image;
    rendered = { ...renderPod(cm, ctx.caps, ctx.paths, deps), image: cm.image };
    if (a) rendered.archive = a;
  } else {
    const yaml = m.kind === 'kube' && m.inputs?.[0] ? ctx.onDisk.inputs.get(m.inputs[0]) : undefined;
    if (yaml && 'error' in yaml) {
      report.diagnostics.push(error(at, `cannot read ${yaml.error}`));
      return undefined;
    }
    rendered = renderServiceUnit(m, ctx.caps, ctx.paths, deps, yaml?.sha256);
  }
  report.diagnostics.push(...rendered.diagnostics);
  return rendered;
}

/**
 * Owned stanzas whose unit is gone (with their argv files), and an owned argv file left without
 * its stanza and unit (a writer killed between the two removals).
 */
function planRemovals(plan: SyncPlan, onDisk: OnDisk, paths: StanzaPaths): void {
  for (const [f, found] of onDisk.stanzas) {
    const [, stem, ext] = f.match(SERVICE_FILE) ?? [];
    if (!stem || plan.keep.has(stem) || !owned(found)) continue;
    if (ext === 'conf') {
      const argv = `${stem}.argv`;
      plan.remove.push({
        conf: join(paths.stanzaDir, f),
        ...(owned(onDisk.stanzas.get(argv)) ? { argv: join(paths.stanzaDir, argv) } : {}),
      });
    } else if (!onDisk.stanzas.has(`${stem}.conf`)) plan.orphans.push(join(paths.stanzaDir, f));
  }
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

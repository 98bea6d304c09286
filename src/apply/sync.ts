// The sync engine: units directory → stanzas in Finit's directory, networks and volumes in
// podman, then one `initctl reload` when anything changed. Unchanged units leave their files
// byte-identical (Finit restarts a service whose .conf changed); a unit that breaks, or whose
// files cannot be written, keeps its last good stanza, so its pod keeps running; files
// finit-pods did not write are never touched. Stanzas and state are 0600: they hold the units'
// values. A reload that failed is owed until one succeeds (RUN_DIR/reload-pending).

import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Diagnostic, error, formatDiagnostic, hasErrors } from '../lib/diagnostics.js';
import { printable } from '../lib/text.js';
import { defaultContainerName } from '../model/names.js';
import type { HostDeviceModel, ResourceModel } from '../model/resource.js';
import { translateDir, type UnitResult } from '../model/translate.js';
import { type FinitCaps, finitCaps } from '../render/finit.js';
import {
  OWNER_MARK,
  READY_CONDITION,
  RUNNER_NAME,
  RUNNER_SCRIPT,
  renderPod,
  type StanzaPaths,
} from '../render/stanza.js';
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
import { imagePresent, type LocalImages, type Podman, podmanCli } from './podman.js';
import type { Runner } from './run.js';

export interface SyncConfig {
  unitsDir: string;
  stanzaDir: string;
  /** Runtime state (tmpfs): which networks/volumes were created this boot. */
  runDir: string;
  cniDir: string;
  podman: string;
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

export type UnitState = 'applied' | 'unchanged' | 'kept' | 'error' | 'skipped' | 'image-missing';

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
  /** What the pod waits for that is not in the units: an image to appear ('image'). */
  waitingFor?: 'image';
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
  /** True when every unit is usable and nothing else went wrong. */
  ok: boolean;
}

const STANZA_RE = /^pod-(.+)\.conf$/;
const ARGV_RE = /^pod-(.+)\.argv$/;

export const reloadPendingPath = (runDir: string) => join(runDir, 'reload-pending');

function resourceHash(m: ResourceModel | HostDeviceModel): string {
  return createHash('sha256')
    .update(JSON.stringify(m.kind === 'hostdevice' ? m.conflist : m.argv))
    .digest('hex')
    .slice(0, 16);
}

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
  /** Each Image= that names an archive → its identity (archiveImage), or why it cannot be had. */
  archives: ReadonlyMap<string, ReturnType<typeof archiveImage>>;
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

/** A pod whose files are written (or whose image is looked at first). */
export interface PodStep {
  report: UnitReport;
  pod: string;
  /** The changed files, the argv file first: the runner reads it when Finit starts the pod. */
  files: FileWrite[];
  image: string;
  archive?: { tag: string; path: string };
  /** Whether the pod's image is looked for before its files are written. */
  checkImage: boolean;
  /** Its stanza is on disk now (a failure keeps it; without one a failure leaves no stanza). */
  hadStanza: boolean;
  /** The network and volume units it needs: if one cannot be created, its files are not written. */
  needs: readonly string[];
}

/** Everything a sync changes, as data (planSync); carryOut does it. */
export interface SyncPlan {
  /** Every unit's report, in the order they are printed; the steps below fill them in. */
  reports: UnitReport[];
  resources: ResourceStep[];
  /** resources.json after the sync, before the creations in `resources` are added. */
  resourceState: Record<string, string>;
  pods: PodStep[];
  /** Stanza and argv files (owned, 0644 from an earlier version) to make 0600, unchanged. */
  chmod: string[];
  /** Pods whose stanza stays: every other owned pod-NAME.conf is removed. */
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
  const { onDisk, problems } = readOnDisk(cfg, results);
  const paths = { stanzaDir: cfg.stanzaDir, podman: cfg.podman, initctl: deps.finit.initctl };
  const plan = planSync(results, onDisk, caps, paths, deps.checkImages ?? 'changed');
  const rep = await carryOut(plan, cfg, deps);
  rep.problems.unshift(...problems);
  rep.ok &&= problems.length === 0;
  rep.finitVersion = version;
  return rep;
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
  const archives = new Map<string, ReturnType<typeof archiveImage>>();
  for (const r of results) {
    if (r.model?.kind === 'container' && !archives.has(r.model.image))
      archives.set(r.model.image, archiveImage(r.model.image));
  }
  const onDisk = {
    stanzas,
    resources: read.value ?? {},
    archives,
    reloadPending: existsSync(reloadPendingPath(cfg.runDir)),
  };
  return { onDisk, problems };
}

const STANZA_FILE_RE = /^pod-.+\.(conf|argv)$/;
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
    if (a && 'path' in a) plan.archives.push(a.path);
  });
  const broken = new Set<string>(); // unit files that are not usable
  for (const r of results) if (!r.ok) broken.add(r.name.filename);
  const containers = results.filter((r) => r.name.kind === 'container' && !r.name.isTemplate);
  const duplicate = duplicates(containers);

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
    if (
      !r.ok ||
      !r.model ||
      (r.model.kind !== 'network' && r.model.kind !== 'volume' && r.model.kind !== 'hostdevice')
    ) {
      report.state = 'error';
      if (created) plan.resourceState[r.name.filename] = created;
      continue;
    }
    const hash = resourceHash(r.model);
    if (created === hash) plan.resourceState[r.name.filename] = hash;
    else plan.resources.push({ report, filename: r.name.filename, model: r.model, hash });
  }

  // Pods whose unit is usable, and the pods they wait for.
  const podOf = new Map<string, string>();
  for (const r of containers) if (r.model?.kind === 'container') podOf.set(r.name.filename, r.model.pod);
  let runnerNeeded = false;
  for (const r of containers) {
    const pod = r.model?.kind === 'container' ? r.model.pod : defaultContainerName(r.name);
    const confName = `pod-${pod}.conf`;
    const argvName = `pod-${pod}.argv`;
    const report: UnitReport = {
      file: r.path,
      kind: 'container',
      pod,
      state: 'unchanged',
      stanza: join(paths.stanzaDir, confName),
      diagnostics: r.diagnostics,
    };
    plan.reports.push(report);
    const at = { file: r.path, line: 0 };
    const dup = duplicate.get(r);
    if (dup) report.diagnostics.push(error(at, dup));
    const oldConf = onDisk.stanzas.get(confName);
    const oldArgv = onDisk.stanzas.get(argvName);
    const keepOld = () => {
      // broken: the last good stanza stays (its pod keeps running), and the unit says why
      report.state = owned(oldConf) ? 'kept' : 'error';
      if (owned(oldConf)) {
        plan.keep.add(pod);
        runnerNeeded = true;
      }
    };
    if (r.model?.kind !== 'container' || !r.ok || dup || r.model.needs.some((f) => broken.has(f))) {
      keepOld();
      continue;
    }
    let m = r.model;
    const archive = onDisk.archives.get(m.image);
    if (archive && 'error' in archive) {
      report.diagnostics.push(error(at, archive.error));
      keepOld();
      continue;
    }
    if (archive) m = { ...m, image: archive.tag };
    report.container = m.containerName;
    report.image = m.image;
    const dependsOn = m.needs.flatMap((f) =>
      f.endsWith('.container') && podOf.has(f) ? [podOf.get(f)!] : [],
    );
    for (const d of [...m.service.requires, ...m.service.after, ...m.service.wants]) {
      const p = podOf.get(d);
      if (p && !dependsOn.includes(p)) dependsOn.push(p);
    }
    const rendered = renderPod(m, caps, paths, dependsOn);
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
    plan.keep.add(pod);
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
    const checkImage = checkImages === 'all' || (checkImages === 'changed' && files.length > 0);
    if (files.length > 0 || checkImage) {
      const step: PodStep = {
        report,
        pod,
        files,
        image: m.image,
        checkImage,
        hadStanza: oldConf !== undefined,
        needs: m.needs.filter((f) => !f.endsWith('.container')),
      };
      if (archive) step.archive = archive;
      plan.pods.push(step);
    }
  }
  for (const r of results) {
    if (SUPPORTED.has(r.name.kind)) continue;
    plan.reports.push({ file: r.path, kind: r.name.kind, state: 'skipped', diagnostics: r.diagnostics });
  }

  const runner = onDisk.stanzas.get(RUNNER_NAME);
  if (runnerNeeded && !(runner && 'text' in runner && runner.text === RUNNER_SCRIPT))
    plan.runner = { path: join(paths.stanzaDir, RUNNER_NAME), content: RUNNER_SCRIPT, mode: 0o755 };

  // Our stanzas whose unit is gone, and an argv file of ours left without its stanza (a writer
  // killed between the two removals).
  for (const [f, found] of onDisk.stanzas) {
    const m = f.match(STANZA_RE);
    if (!m || plan.keep.has(m[1]!) || !owned(found)) continue;
    const argv = `pod-${m[1]}.argv`;
    plan.remove.push({
      conf: join(paths.stanzaDir, f),
      ...(owned(onDisk.stanzas.get(argv)) ? { argv: join(paths.stanzaDir, argv) } : {}),
    });
  }
  for (const [f, found] of onDisk.stanzas) {
    const m = f.match(ARGV_RE);
    if (!m || plan.keep.has(m[1]!) || !owned(found) || onDisk.stanzas.has(`pod-${m[1]}.conf`)) continue;
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
  for (const step of plan.pods) {
    const { report } = step;
    const at = { file: report.file, line: 0 };
    if (step.needs.some((f) => failedResources.has(f))) {
      report.state = step.hadStanza ? 'kept' : 'error';
      if (!step.hadStanza) plan.keep.delete(step.pod);
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
        if (plan.keep.delete(step.pod) && step.hadStanza) {
          const conf = join(cfg.stanzaDir, `pod-${step.pod}.conf`);
          plan.remove.push({ conf, argv: join(cfg.stanzaDir, `pod-${step.pod}.argv`) });
        }
        continue;
      }
    }
    if (step.files.length === 0) continue;
    try {
      writeAllAtomic(step.files);
    } catch (e) {
      report.state = step.hadStanza ? 'kept' : 'error';
      const then = step.hadStanza
        ? 'the last stanza is kept and the pod keeps running as it was'
        : 'the pod gets no stanza';
      report.diagnostics.push(error(at, `${(e as Error).message}; ${then}`));
      if (!step.hadStanza) plan.keep.delete(step.pod);
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
  let readySet = false;
  if (deps.setReady !== false && !(await deps.finit.condGet(READY_CONDITION))) {
    await deps.finit.condSet(READY_CONDITION);
    readySet = true;
  }
  const units = plan.reports;
  const ok = problems.length === 0 && units.every((r) => r.state === 'applied' || r.state === 'unchanged');
  const archives = [...plan.archives];
  return { units, written, removed, reloaded, readySet, finitVersion: '', problems, retry, archives, ok };
}

const SUPPORTED = new Set(['container', 'network', 'volume']);

const ARCHIVE = /^(oci-archive|docker-archive):(\/[^:]+)(?::.*)?$/;

/**
 * Image=oci-archive:/path or docker-archive:/path: podman would read the archive again at every
 * start, so finit-pods loads it once and runs it under a tag made from the archive's identity
 * (path, size, modification time): a new archive gives a new tag, so the pod restarts with it.
 */
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
  const id = createHash('sha256').update(`${path}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 12);
  return { tag: `localhost/finit-pods/archive-${id}:latest`, path };
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
  async loadAs(path: string, tag: string): Promise<void> {
    const id = await this.podman.load(path);
    await this.podman.tag(id, tag);
    this.local?.names.add(tag);
  }
}

/** Returns why the image cannot be had, or undefined when it is present (loading an archive if needed). */
async function ensureImage(
  image: string,
  archive: ReturnType<typeof archiveImage>,
  images: ImageCache,
): Promise<string | undefined> {
  if (await images.has(image)) return undefined;
  if (archive && 'path' in archive) {
    try {
      await images.loadAs(archive.path, archive.tag);
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

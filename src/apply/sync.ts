// The sync engine: units directory → stanzas in Finit's directory, networks and volumes in
// podman, then one `initctl reload` when anything changed. Unchanged units leave their files
// byte-identical (Finit restarts a service whose .conf changed); a unit that breaks, or whose
// files cannot be written, or whose options this podman lacks (a key for a newer podman), keeps
// its last good stanza, so its pod keeps running; files finit-pods did not write are never
// touched. Stanzas and state are 0600: they hold the units' values. A reload that failed is owed
// until one succeeds (RUN_DIR/reload-pending). Here: what is on disk is read (readOnDisk), the
// plan made (sync-plan.ts, pure) and carried out in one place (carryOut).

import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { error, formatDiagnostic } from '../lib/diagnostics.js';
import { printable } from '../lib/text.js';
import type { HostDeviceModel, ResourceModel } from '../model/resource.js';
import { translateDir, type UnitResult } from '../model/translate.js';
import { type FinitCaps, finitCaps } from '../render/finit.js';
import { LABEL_BUILD } from '../render/labels.js';
import { READY_CONDITION, RUNNER_NAME, SERVICE_FILE } from '../render/stanza.js';
import { podArchive } from './archive.js';
import {
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
import { missingOptionsRemedy, missingOptionsText, runOptionsOf, unknownRunOptions } from './run-options.js';
import {
  type Archive,
  type CheckImages,
  type FoundFile,
  type OnDisk,
  type OneShotStep,
  type PodStep,
  planSync,
  STANZA_MODE,
  type SyncPlan,
  type UnitReport,
} from './sync-plan.js';

export type { UnitReport, UnitState } from './sync-plan.js';

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
  checkImages?: CheckImages;
  /** Where the local image list comes from (default: `podman images`). */
  localImages?: () => Promise<LocalImages>;
  /** The units as already translated for this Finit (a command's one snapshot); read here when absent. */
  units?: readonly UnitResult[];
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

export const reloadPendingPath = (runDir: string) => join(runDir, 'reload-pending');

/** The units directory cannot be read (missing, renamed, unmounted): sync changed nothing. */
export class UnitsDirError extends Error {}

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

/** The files finit-pods may own in the stanza directory, as found. Throws when it cannot be listed. */
export function readStanzas(stanzaDir: string): Map<string, FoundFile> {
  const stanzas = new Map<string, FoundFile>();
  for (const f of readdirSync(stanzaDir)) {
    if (!SERVICE_FILE.test(f) && f !== RUNNER_NAME) continue;
    try {
      const found = readFileIfExists(join(stanzaDir, f));
      if (found) stanzas.set(f, { text: found.text, mode: found.mode });
    } catch (e) {
      // a directory, a FIFO or a device in its place: never opened, never replaced
      stanzas.set(f, { unreadable: (e as Error).message });
    }
  }
  return stanzas;
}

/** The edge that reads: the stanza directory, resources.json (a corrupt one set aside), archives. */
export function readOnDisk(
  cfg: SyncConfig,
  results: readonly UnitResult[],
): { onDisk: OnDisk; problems: string[] } {
  const problems: string[] = [];
  const stanzas = readStanzas(cfg.stanzaDir);
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

/** What carrying a plan out has done so far, and what it could not do beyond one unit. */
interface Outcome {
  written: string[];
  removed: string[];
  problems: string[];
  /** Something failed that may work later with no change to the units. */
  retry: boolean;
}

/**
 * Carries a plan out, in one place: networks and volumes, then each pod's image and files (a pod
 * whose network could not be created, whose image is missing or whose files cannot be written
 * keeps its stanza), the runner, the stale stanzas, then one reload when a stanza changed; then
 * images, builds and artifacts, and the ready condition.
 */
async function carryOut(plan: SyncPlan, cfg: SyncConfig, deps: SyncDeps): Promise<SyncReport> {
  const out: Outcome = { written: [], removed: [], problems: [], retry: false };
  const { failed, resourceState } = await createResources(plan, cfg, deps.exec, out);
  const podman = podmanCli(cfg.podman, deps.exec);
  const images = new ImageCache(podman, deps.localImages ?? (() => podman.images()));
  const options = new RunOptionsCache(
    () => runOptionsOf(podman, cfg.podman, cfg.stateDir),
    podman,
    out.problems,
  );
  for (const step of plan.pods) await applyPod(step, plan, cfg, { failed, images, options }, out);
  for (const f of plan.chmod) {
    try {
      chmodSync(f, STANZA_MODE);
    } catch (e) {
      out.problems.push(`cannot make ${f} private (chmod 600): ${(e as Error).message}`);
    }
  }
  if (plan.runner) {
    try {
      writeAllAtomic([plan.runner]);
      out.written.push(plan.runner.path);
    } catch (e) {
      out.problems.push(`${(e as Error).message}; pods cannot start until it is written`);
      out.retry = true;
    }
  }
  removeStale(plan, out);
  const reloaded = await reloadIfChanged(plan, cfg, deps.finit, out);
  // after the reload, so the pods that need none of them run meanwhile; what waits for one is
  // applied by the next pass (sync's `again`)
  const made = await makeOneShots(plan, cfg, podman, images, resourceState, out);
  let readySet = false;
  if (deps.setReady !== false && !(await deps.finit.condGet(READY_CONDITION))) {
    await deps.finit.condSet(READY_CONDITION);
    readySet = true;
  }
  const units = plan.reports;
  return {
    units,
    written: out.written,
    removed: out.removed,
    reloaded,
    readySet,
    finitVersion: '',
    problems: out.problems,
    retry: out.retry,
    archives: [...plan.archives],
    ok: out.problems.length === 0 && units.every((r) => r.state === 'applied' || r.state === 'unchanged'),
    again: made && plan.waiting > 0,
  };
}

/**
 * The plan's networks and volumes, then resources.json: the unit files of those that could not
 * be created (their pods' files are not written), and the record to add images and builds to.
 */
async function createResources(
  plan: SyncPlan,
  cfg: SyncConfig,
  exec: Runner,
  out: Outcome,
): Promise<{ failed: Set<string>; resourceState: Record<string, string> }> {
  const failed = new Set<string>();
  const resourceState = { ...plan.resourceState };
  for (const step of plan.resources) {
    const why = await createResource(step.model, cfg, exec);
    if (why) {
      step.report.diagnostics.push(error({ file: step.report.file, line: 0 }, why));
      step.report.state = 'error';
      failed.add(step.filename);
      out.retry = true;
    } else {
      step.report.state = 'applied';
      resourceState[step.filename] = step.hash;
    }
  }
  try {
    writeIfChanged(join(cfg.runDir, 'resources.json'), `${JSON.stringify(resourceState, null, 1)}\n`);
  } catch (e) {
    out.problems.push(`${(e as Error).message}; networks and volumes are checked again at the next sync`);
    out.retry = true;
  }
  return { failed, resourceState };
}

/**
 * One pod's step: its image looked for (loaded from its archive), its options checked, its files
 * written. Whatever fails, a pod that had a stanza keeps it ('kept'); one that had none gets none
 * (plan.keep loses it, so no stale runner state is left either).
 */
async function applyPod(
  step: PodStep,
  plan: SyncPlan,
  cfg: SyncConfig,
  ctx: { failed: ReadonlySet<string>; images: ImageCache; options: RunOptionsCache },
  out: Outcome,
): Promise<void> {
  const { report } = step;
  const at = { file: report.file, line: 0 };
  const refuse = (why: string) => {
    report.state = step.hadStanza ? 'kept' : 'error';
    if (why) report.diagnostics.push(error(at, why));
    if (!step.hadStanza) plan.keep.delete(step.stem);
  };
  if (step.needs.some((f) => ctx.failed.has(f))) return refuse('');
  if (step.checkImage) {
    const missing = await ensureImage(step.image, step.archive, ctx.images);
    if (missing && step.hadStanza && step.files.length > 0) {
      // an edit to an image that is not here: the pod keeps its last good stanza
      report.state = 'kept';
      report.waitingFor = 'image';
      report.diagnostics.push(error(at, `${missing}; the pod keeps running as it was`));
      return;
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
      return;
    }
  }
  if (step.files.length === 0) return;
  // a pod this podman would refuse (a key for a newer podman) never replaces the one that runs
  const unknown = step.runArgs ? await ctx.options.unknown(step.runArgs) : [];
  if (unknown.length > 0) {
    const why = `${missingOptionsText(unknown, undefined, await ctx.options.version())}: ${missingOptionsRemedy(unknown)}`;
    return refuse(`${why}; ${step.hadStanza ? 'the pod keeps running as it was' : 'the pod is not started'}`);
  }
  try {
    writeAllAtomic(step.files);
  } catch (e) {
    const then = step.hadStanza
      ? 'the last stanza is kept and the pod keeps running as it was'
      : 'the pod gets no stanza';
    out.retry = true;
    return refuse(`${(e as Error).message}; ${then}`);
  }
  for (const f of step.files) out.written.push(f.path);
  report.state = 'applied';
}

/** The plan's stale stanzas (a stanza is gone once its .conf is) and orphaned argv files. */
function removeStale(plan: SyncPlan, out: Outcome): void {
  for (const r of plan.remove) {
    try {
      removeIfExists(r.conf);
    } catch (e) {
      out.problems.push(`cannot remove ${r.conf}: ${(e as Error).message}`);
      out.retry = true;
      continue;
    }
    out.removed.push(r.conf);
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
}

/**
 * One `initctl reload` when a stanza was written or removed, or one is owed: a reload that failed
 * is owed (RUN_DIR/reload-pending), as the files it was for are in place and unchanged now.
 */
async function reloadIfChanged(
  plan: SyncPlan,
  cfg: SyncConfig,
  finit: Finit,
  out: Outcome,
): Promise<boolean> {
  if (!out.written.some((p) => p.endsWith('.conf')) && out.removed.length === 0 && !plan.reloadPending)
    return false;
  const pending = reloadPendingPath(cfg.runDir);
  try {
    writeAtomic(pending, '');
  } catch {
    // a full run dir: the reload is still tried now; only its retry after a failure is lost
  }
  await finit.reload();
  removeIfExists(pending);
  return true;
}

/** The plan's images, builds and artifacts; whether any was made (what waits for one can go on). */
async function makeOneShots(
  plan: SyncPlan,
  cfg: SyncConfig,
  podman: Podman,
  images: ImageCache,
  resourceState: Record<string, string>,
  out: Outcome,
): Promise<boolean> {
  let made = false;
  for (const step of plan.oneShots) {
    const failed = await carryOutOneShot(step, podman, images);
    if (failed) {
      step.report.state = 'error';
      step.report.diagnostics.push(error({ file: step.report.file, line: 0 }, failed.error));
      out.retry ||= failed.retry;
      continue;
    }
    step.report.state = 'applied';
    resourceState[step.filename] = step.hash;
    made = true;
  }
  if (plan.oneShots.length === 0) return made;
  try {
    writeIfChanged(join(cfg.runDir, 'resources.json'), `${JSON.stringify(resourceState, null, 1)}\n`);
  } catch (e) {
    out.problems.push(`${(e as Error).message}; images and builds are checked again at the next sync`);
    out.retry = true;
  }
  return made;
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
    readonly read: () => Promise<RunOptions>,
    readonly podman: Podman,
    readonly problems: string[],
  ) {}
  async unknown(runArgs: readonly string[]): Promise<string[]> {
    if (!this.known) {
      this.known = attempt(this.read);
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

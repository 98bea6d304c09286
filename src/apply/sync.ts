// The sync engine: units directory → stanzas in Finit's directory, networks and volumes in
// podman, then one `initctl reload` when anything changed. Unchanged units leave their files
// byte-identical (Finit restarts a service whose .conf changed); a unit that breaks, or whose
// files cannot be written, keeps its last good stanza, so its pod keeps running; files
// finit-pods did not write are never touched. Stanzas and state are 0600: they hold the units'
// values. A reload that failed is owed until one succeeds (RUN_DIR/reload-pending).

import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FileText } from '../lib/readfile.js';
import { printable } from '../lib/text.js';
import type { ContainerModel } from '../model/container.js';
import { type Diagnostic, error, formatDiagnostic } from '../model/diagnostics.js';
import { defaultContainerName } from '../model/index.js';
import type { HostDeviceModel, ResourceModel } from '../model/resource.js';
import { translateDir, type UnitResult } from '../model/translate.js';
import { type FinitCaps, finitCaps } from '../render/finit.js';
import { OWNER_MARK, READY_CONDITION, RUNNER_NAME, RUNNER_SCRIPT, renderPod } from '../render/stanza.js';
import {
  type FileError,
  readFileIfExists,
  readIfExists,
  readStateFile,
  removeIfExists,
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
  /** True when every unit is usable and nothing else went wrong. */
  ok: boolean;
}

const STANZA_RE = /^pod-(.+)\.conf$/;

/** Whether finit-pods wrote the file at `path` (anything but a regular file of ours is not). */
function isOwned(path: string): boolean {
  try {
    return readIfExists(path)?.startsWith(OWNER_MARK) ?? false;
  } catch {
    return false;
  }
}

export const reloadPendingPath = (runDir: string) => join(runDir, 'reload-pending');

const isResourceState = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((h) => typeof h === 'string');

function resourceHash(m: ResourceModel | HostDeviceModel): string {
  return createHash('sha256')
    .update(JSON.stringify(m.kind === 'hostdevice' ? m.conflist : m.argv))
    .digest('hex')
    .slice(0, 16);
}

/** The units directory cannot be read (missing, renamed, unmounted): sync changed nothing. */
export class UnitsDirError extends Error {}

export async function sync(cfg: SyncConfig, deps: SyncDeps): Promise<SyncReport> {
  const version = await deps.finit.version();
  const caps: FinitCaps = finitCaps(version);
  let results: UnitResult[];
  try {
    results = translateDir(cfg.unitsDir, { maxPodName: caps.maxId }).results;
  } catch (e) {
    // A missing or unreadable units directory must never stop pods: change nothing.
    throw new UnitsDirError(
      `cannot read the units directory ${cfg.unitsDir}: ${(e as Error).message}; nothing was changed`,
    );
  }
  mkdirSync(cfg.stanzaDir, { recursive: true });
  mkdirSync(cfg.runDir, { recursive: true });

  const reports: UnitReport[] = [];
  const written: string[] = [];
  const removed: string[] = [];
  const problems: string[] = [];
  let retry = false;
  const keepPods = new Set<string>();
  const containers = results.filter((r) => r.name.kind === 'container' && !r.name.isTemplate);

  // Pod names and container names must be unique across the directory.
  const seenPod = new Map<string, string>();
  const seenContainer = new Map<string, string>();
  for (const r of containers) {
    if (!r.ok || r.model?.kind !== 'container') continue;
    const m = r.model;
    const dupPod = seenPod.get(m.pod);
    const dupCtr = seenContainer.get(m.containerName);
    if (dupPod || dupCtr) {
      r.diagnostics.push(
        error(
          { file: r.path, line: 0 },
          `pod "${m.pod}" / container "${m.containerName}" is already defined by ${dupPod ?? dupCtr}`,
        ),
      );
      r.ok = false;
      continue;
    }
    seenPod.set(m.pod, r.path);
    seenContainer.set(m.containerName, r.path);
  }

  // Networks and volumes first: pods need them. Created once per boot per definition.
  const statePath = join(cfg.runDir, 'resources.json');
  const read = readStateFile(statePath, isResourceState, { setAside: true });
  if (read.why)
    problems.push(
      `${statePath} is corrupt (${read.why}); ${read.setAside ? `moved to ${read.setAside}; ` : ''}networks and volumes are checked again`,
    );
  const state = read.value ?? {};
  const nextState: Record<string, string> = {};
  for (const r of results) {
    if (r.name.kind !== 'network' && r.name.kind !== 'volume') continue;
    const report: UnitReport = {
      file: r.path,
      kind: r.name.kind,
      state: 'unchanged',
      diagnostics: r.diagnostics,
    };
    reports.push(report);
    if (!r.ok || !r.model || r.model.kind === 'container') {
      report.state = 'error';
      if (state[r.name.filename]) nextState[r.name.filename] = state[r.name.filename]!;
      continue;
    }
    const m = r.model;
    const h = resourceHash(m);
    if (state[r.name.filename] === h) {
      nextState[r.name.filename] = h;
      continue;
    }
    const res = await createResource(m, cfg, deps.exec);
    if (res) {
      report.diagnostics.push(error({ file: r.path, line: 0 }, res));
      report.state = 'error';
      r.ok = false;
      retry = true;
    } else {
      report.state = 'applied';
      nextState[r.name.filename] = h;
    }
  }
  try {
    writeIfChanged(statePath, `${JSON.stringify(nextState, null, 1)}\n`);
  } catch (e) {
    problems.push(`${(e as Error).message}; networks and volumes are checked again at the next sync`);
    retry = true;
  }

  // Pods whose unit is usable, and the pods they wait for.
  const podOf = new Map<string, string>();
  for (const r of containers) if (r.model?.kind === 'container') podOf.set(r.name.filename, r.model.pod);
  const runnerPath = join(cfg.stanzaDir, RUNNER_NAME);
  const podman = podmanCli(cfg.podman, deps.exec);
  const images = new ImageCache(podman, deps.localImages ?? (() => podman.images()));
  const paths = { stanzaDir: cfg.stanzaDir, podman: cfg.podman, initctl: deps.finit.initctl };
  let runnerNeeded = false;
  const writes: (() => Promise<void>)[] = [];

  for (const r of containers) {
    const pod = r.model?.kind === 'container' ? r.model.pod : defaultContainerName(r.name);
    const conf = join(cfg.stanzaDir, `pod-${pod}.conf`);
    const report: UnitReport = {
      file: r.path,
      kind: 'container',
      pod,
      state: 'unchanged',
      stanza: conf,
      diagnostics: r.diagnostics,
    };
    reports.push(report);
    let broken = r.model?.kind !== 'container' || !r.ok || isBlockedByBrokenResource(r.model, results);
    let archive: ReturnType<typeof archiveImage>;
    if (!broken) {
      archive = archiveImage((r.model as ContainerModel).image);
      if (archive && 'error' in archive) {
        report.diagnostics.push(error({ file: r.path, line: 0 }, archive.error));
        broken = true;
      }
    }
    if (!broken) {
      let m = r.model as ContainerModel;
      report.container = m.containerName;
      if (archive && 'tag' in archive) m = { ...m, image: archive.tag };
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
      if (!rendered.diagnostics.some((d) => d.severity === 'error')) {
        report.hash = rendered.hash;
        keepPods.add(pod);
        runnerNeeded = true;
        const argvPath = join(cfg.stanzaDir, `pod-${pod}.argv`);
        let oldConf: FileText | undefined;
        let oldArgv: FileText | undefined;
        try {
          oldConf = readFileIfExists(conf);
          oldArgv = readFileIfExists(argvPath);
        } catch (e) {
          // a directory, a FIFO or a device in its place: not ours, never opened or replaced
          const f = e as FileError;
          report.state = 'error';
          report.diagnostics.push(
            error(
              { file: r.path, line: 0 },
              `${f.path} is ${f.message}; it is left alone and the pod gets no stanza`,
            ),
          );
          keepPods.delete(pod);
          continue;
        }
        if (!ownedOrAbsent(oldConf?.text) || !ownedOrAbsent(oldArgv?.text)) {
          report.state = 'error';
          report.diagnostics.push(
            error(
              { file: r.path, line: 0 },
              `${conf} exists and was not written by finit-pods; it is left alone`,
            ),
          );
          keepPods.delete(pod);
          continue;
        }
        const a = oldArgv?.text !== rendered.argv;
        const c = oldConf?.text !== rendered.conf;
        // files of an earlier version, written readable to all: made 0600, content unchanged
        for (const [f, old] of [
          [argvPath, oldArgv],
          [conf, oldConf],
        ] as const) {
          if (old && (old.mode & 0o077) !== 0) {
            try {
              chmodSync(f, STANZA_MODE);
            } catch (e) {
              problems.push(`cannot make ${f} private (chmod 600): ${(e as Error).message}`);
            }
          }
        }
        const image = m.image;
        const hadStanza = oldConf !== undefined;
        // after every unit is rendered: the image check waits for podman (at boot, for the
        // removal of the leftovers), the rendering need not
        writes.push(async () => {
          if (
            (deps.checkImages ?? 'changed') === 'all' ||
            ((deps.checkImages ?? 'changed') === 'changed' && (a || c))
          ) {
            const missing = await ensureImage(image, archive, images);
            if (missing && hadStanza && (a || c)) {
              // an edit to an image that is not here: the pod keeps its last good stanza
              report.state = 'kept';
              report.diagnostics.push(
                error({ file: r.path, line: 0 }, `${missing}; the pod keeps running as it was`),
              );
              return;
            }
            if (missing) {
              report.state = 'image-missing';
              report.diagnostics.push(error({ file: r.path, line: 0 }, `${missing}; the pod is not started`));
              keepPods.delete(pod); // no stanza: it could only crash-loop; the next sync looks again
              return;
            }
          }
          // The argv file first: the runner reads it when Finit starts the pod after the reload.
          const files = [];
          if (a) files.push({ path: argvPath, content: rendered.argv, mode: STANZA_MODE });
          if (c) files.push({ path: conf, content: rendered.conf, mode: STANZA_MODE });
          try {
            writeAllAtomic(files);
          } catch (e) {
            report.state = hadStanza ? 'kept' : 'error';
            report.diagnostics.push(
              error(
                { file: r.path, line: 0 },
                `${(e as Error).message}; ${hadStanza ? 'the last stanza is kept and the pod keeps running as it was' : 'the pod gets no stanza'}`,
              ),
            );
            if (!hadStanza) keepPods.delete(pod);
            retry = true;
            return;
          }
          for (const f of files) written.push(f.path);
          if (a || c) report.state = 'applied';
        });
        continue;
      }
    }
    // Broken: keep the last good stanza (its pod keeps running) and say so.
    report.state = 'error';
    if (isOwned(conf)) {
      keepPods.add(pod);
      report.state = 'kept';
      runnerNeeded = true;
    }
  }
  for (const w of writes) await w();
  for (const r of results) {
    if (SUPPORTED.has(r.name.kind)) continue;
    reports.push({ file: r.path, kind: r.name.kind, state: 'skipped', diagnostics: r.diagnostics });
  }

  try {
    if (runnerNeeded && writeIfChanged(runnerPath, RUNNER_SCRIPT, 0o755)) written.push(runnerPath);
  } catch (e) {
    problems.push(`${(e as Error).message}; pods cannot start until it is written`);
    retry = true;
  }

  // Our stanzas whose unit is gone.
  for (const f of readdirSync(cfg.stanzaDir)) {
    const m = f.match(STANZA_RE);
    if (!m || keepPods.has(m[1]!)) continue;
    const conf = join(cfg.stanzaDir, f);
    if (!isOwned(conf)) continue;
    try {
      removeIfExists(conf);
    } catch (e) {
      problems.push(`cannot remove ${conf}: ${(e as Error).message}`);
      retry = true;
      continue;
    }
    removed.push(conf);
    const argvPath = join(cfg.stanzaDir, `pod-${m[1]}.argv`);
    try {
      if (isOwned(argvPath)) removeIfExists(argvPath);
    } catch {
      // the stanza is gone, so Finit no longer runs the pod; the argv file is only read by its runner
    }
  }

  // A reload that failed is owed: the files it was for are already in place and unchanged now.
  const pending = reloadPendingPath(cfg.runDir);
  let reloaded = false;
  if (written.some((p) => p.endsWith('.conf')) || removed.length > 0 || existsSync(pending)) {
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
  const ok = problems.length === 0 && reports.every((r) => r.state === 'applied' || r.state === 'unchanged');
  return { units: reports, written, removed, reloaded, readySet, finitVersion: version, problems, retry, ok };
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
  return `image missing: ${image} is not in local storage and no archive is named (Image=oci-archive:/path loads one); the pod is not started`;
}

function ownedOrAbsent(text: string | undefined): boolean {
  return text === undefined || text.startsWith(OWNER_MARK);
}

/** A pod whose network or volume unit is broken cannot start: treat it as broken too. */
function isBlockedByBrokenResource(m: ContainerModel, results: UnitResult[]): boolean {
  return m.needs.some((f) => {
    const r = results.find((x) => x.name.filename === f);
    return r !== undefined && r.name.kind !== 'container' && !r.ok;
  });
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

// The status view: per unit, what finit-pods, Finit and Podman each say about it, gathered with
// one call each through the adapters (translate the units directory; Finit's services; podman's
// containers and images; a pod Finit's list lacks, by name), so it works with or without the
// daemon. A listing that fails makes what it would have said `unknown`, never "not there".
// Schema: docs/status.md.

import { statSync } from 'node:fs';
import { podArchive } from '../apply/archive.js';
import type { Finit } from '../apply/finit.js';
import type { FinitService } from '../apply/finit-status.js';
import { type ContainerInfo, imagePresent, type LocalImages, type Podman } from '../apply/podman.js';
import { attempt } from '../apply/run.js';
import type { HealthRecord } from '../daemon/health.js';
import { readHealth } from '../daemon/health-state.js';
import { type DaemonState, readState } from '../daemon/state.js';
import { formatDiagnostic } from '../lib/diagnostics.js';
import { columns, printable } from '../lib/text.js';
import type { Readiness } from '../model/health.js';
import { translateDir, type UnitResult } from '../model/translate.js';
import type { UnitKind } from '../parse/load.js';
import { type ServiceDependencies, serviceDependencies } from '../render/dependencies.js';
import { finitCaps } from '../render/finit.js';
import { ownPod, podReadyCondition } from '../render/labels.js';
import { identityText, LABEL_POD, READY_CONDITION } from '../render/stanza.js';
import { readUpdates, type UpdateState } from '../update/state.js';
import { type UpdateView, updateProblem, updateView } from '../update/view.js';
import { type HealthView, healthProblem, healthView } from './health-view.js';

/** The state shown for what a failed listing would have said. */
export const UNKNOWN = 'unknown';

export interface PodView {
  /**
   * Pod name (Finit identity pod:NAME); for a .pod or .kube unit the NAME of its Finit service
   * podman-pod:NAME or kube:NAME; for the other kinds what the unit makes (network, volume, image).
   */
  name: string;
  kind: UnitKind;
  file: string;
  unit: { state: 'ok' | 'warning' | 'error'; messages: string[] };
  /** `pid` is absent only with status `unknown`: Finit's services could not be listed. */
  finit?: { status: string; pid?: number; restarts?: number };
  /** Only `state`, `unknown`, when podman's containers could not be listed. */
  container?: { id?: string; name?: string; state: string; image?: string; startedAt?: string };
  /** `present` is absent when podman's images could not be listed. */
  image?: { ref: string; present?: boolean };
  /** Seconds the container has been running. */
  uptime?: number;
  /** What the unit waits for, as the daemon's last apply said: an image, or an .image/.build/.artifact unit. */
  waitingFor?: string;
  /** A container with a health check: its health, as the daemon's last check said (health.json). */
  health?: HealthView;
  /**
   * A container with Notify=: whether it is ready now (its condition usr/ready-pod-NAME), which
   * what waits for it waits for; absent when that could not be read.
   */
  ready?: boolean;
  /** A container with Notify=: what makes it ready (`healthy`: its health check; `true`: READY=1). */
  notify?: 'healthy' | 'true';
  /** Its updates (finit-pods auto-update), as STATE_DIR/updates.json says. */
  update?: UpdateView;
  healthy: boolean;
  /** One sentence when not healthy. */
  problem?: string;
}

export interface StatusView {
  finitVersion: string;
  ready: boolean;
  units: PodView[];
  healthy: boolean;
  /** Each listing that failed, one sentence (what ran, what it said); absent when none did. */
  failures?: string[];
}

/** What collectStatus read; a listing that failed is undefined, and its error is in `errors`. */
export interface StatusReadings {
  results: UnitResult[];
  /** The daemon's last apply (state.json), when there is one and it is newer than the units. */
  lastApply?: DaemonState;
  services?: FinitService[];
  containers?: ContainerInfo[];
  images?: LocalImages;
  /** The daemon's health records (health.json), by pod name. */
  health?: Record<string, HealthRecord>;
  /** auto-update's state (updates.json), when there is a state dir. */
  updates?: UpdateState;
  /** Each container with Notify=: whether its ready condition is set, by pod name. */
  readyPods?: Map<string, boolean>;
  /** What each unit's service waits for (the stanza's conditions). */
  dependencies?: ServiceDependencies;
  errors: { services?: string; containers?: string; images?: string };
}

export async function collectStatus(
  cfg: { unitsDir: string; runDir?: string },
  deps: { finit: Finit; podman: Podman },
  only: string[] = [],
): Promise<StatusView> {
  return (await collectStatusWith(cfg, deps, only)).view;
}

/**
 * collectStatus, with what it read to build the view (the units' translation, Finit's services,
 * podman's containers), for a caller that needs them too (doctor) and should not read them twice.
 */
export async function collectStatusWith(
  cfg: { unitsDir: string; runDir?: string; stateDir?: string },
  deps: { finit: Finit; podman: Podman },
  only: string[] = [],
): Promise<{ view: StatusView; readings: StatusReadings }> {
  const { finit, podman } = deps;
  const version = await finit.version();
  const caps = finitCaps(version);
  const { results } = translateDir(cfg.unitsDir, { maxPodName: caps.maxId });
  const readings: StatusReadings = { results, errors: {} };
  const last = cfg.runDir === undefined ? undefined : readState(cfg.runDir);
  if (last) readings.lastApply = last;
  const health = cfg.runDir === undefined ? undefined : readHealth(cfg.runDir);
  if (health) readings.health = health.pods;
  if (cfg.stateDir !== undefined) readings.updates = readUpdates(cfg.stateDir);
  const containers = await attempt(() => podman.containers());
  if ('value' in containers) readings.containers = containers.value;
  else readings.errors.containers = containers.error;
  // and our containers' pods: doctor removes a container whose pod Finit does not know
  const ours = (readings.containers ?? []).flatMap((c) => {
    const pod = ownPod(c.labels);
    return pod ? [`pod:${pod}`] : [];
  });
  const services = await attempt(() =>
    finit.services(version, [...servicesExpected(results, last), ...ours]),
  );
  if ('value' in services) readings.services = services.value;
  else readings.errors.services = services.error;
  const ready = await finit.condGet(READY_CONDITION);
  if (results.some((r) => ['container', 'image', 'build'].includes(r.model?.kind ?? ''))) {
    const images = await attempt(() => podman.images());
    if ('value' in images) readings.images = images.value;
    else readings.errors.images = images.error;
  }
  const readyPods = new Map<string, boolean>();
  for (const r of results) {
    if (r.model?.kind !== 'container' || !r.model.notify) continue;
    const pod = r.model.pod;
    const got = await attempt(() => finit.condGet(podReadyCondition(pod)));
    if ('value' in got) readyPods.set(pod, got.value);
  }
  readings.readyPods = readyPods;
  readings.dependencies = serviceDependencies(results);
  const now = Date.now() / 1000;

  const units: PodView[] = [];
  for (const r of results) {
    const view = unitView(r, readings, now, ready);
    if (only.length === 0 || only.includes(view.name) || only.includes(r.name.filename)) units.push(view);
  }
  const failures = Object.values(readings.errors);
  // what could not be read cannot be called healthy, even where no unit shown depends on it
  const view: StatusView = {
    finitVersion: version,
    ready,
    units,
    healthy: failures.length === 0 && units.every((u) => u.healthy),
  };
  if (failures.length > 0) view.failures = failures;
  return { view, readings };
}

/**
 * What the daemon's last apply said of a unit beyond its translation (a stanza it could not write,
 * an image that is missing), when that apply read the unit as it is now (nothing newer since).
 */
function notApplied(r: UnitResult, last: DaemonState | undefined): string[] {
  const s = last?.units[r.path];
  if (s?.state !== 'error' || !last) return [];
  const since = Date.parse(last.updatedAt);
  const changed = (r.model?.sources ?? [r.path]).some((f) => {
    try {
      return statSync(f).mtimeMs > since;
    } catch {
      return true;
    }
  });
  const own = new Set(r.diagnostics.map(formatDiagnostic));
  return changed ? [] : s.messages.filter((m) => !own.has(m));
}

/** The pod of a container unit whose last good stanza the last apply kept, as that apply named it. */
function keptPod(r: UnitResult, last: DaemonState | undefined): string | undefined {
  const s = last?.units[r.path];
  return r.name.kind === 'container' && s?.last === 'kept' ? s.pod : undefined;
}

/** What Finit says of service IDENT: unknown when its services could not be listed, absent when it has none. */
function finitOf(read: StatusReadings, ident: string): PodView['finit'] {
  if (!read.services) return { status: UNKNOWN };
  const svc = read.services.find((s) => s.identity === ident);
  if (!svc) return undefined;
  return {
    status: svc.status,
    pid: svc.pid,
    ...(svc.restarts !== undefined ? { restarts: svc.restarts } : {}),
  };
}

function unitView(r: UnitResult, read: StatusReadings, now: number, ready: boolean): PodView {
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  const applyErrors = notApplied(r, read.lastApply);
  const unit = {
    state:
      errors.length || applyErrors.length
        ? ('error' as const)
        : r.diagnostics.length
          ? ('warning' as const)
          : ('ok' as const),
    messages: [...r.diagnostics.map(formatDiagnostic), ...applyErrors],
  };
  const kind = r.name.kind;
  const waiting = read.lastApply?.units[r.path]?.waitingFor;
  if (r.model?.kind === 'pod' || r.model?.kind === 'kube') {
    // a Finit service of its own: healthy while Finit runs it
    const name = r.model.resource;
    const v: PodView = { name, kind, file: r.path, unit, healthy: false };
    const finit = finitOf(read, `${serviceName(kind)}:${name}`);
    if (finit) v.finit = finit;
    v.healthy = r.ok && v.finit?.status === 'running' && applyErrors.length === 0;
    if (waiting) v.waitingFor = waiting;
    if (!v.healthy)
      v.problem = !r.ok
        ? problemOf(v, r, ready, read)
        : applyErrors.length > 0
          ? `not applied: ${applyErrors[0]}`
          : waiting
            ? `waiting for ${waiting}`
            : problemOf(v, r, ready, read);
    return v;
  }
  // a broken unit whose last good stanza is kept: its pod is the one that stanza runs, whatever
  // the unit names now (a ServiceName= edit) or cannot say (a file that cannot be read)
  const kept = r.ok ? undefined : keptPod(r, read.lastApply);
  if (r.model?.kind !== 'container') {
    const name = kept ?? (r.model && 'resource' in r.model ? r.model.resource : r.name.stem);
    const v: PodView = { name, kind, file: r.path, unit, healthy: r.ok && applyErrors.length === 0 };
    if (kept) {
      const finit = finitOf(read, `pod:${kept}`);
      if (finit) v.finit = finit;
    }
    if ((r.model?.kind === 'image' || r.model?.kind === 'build') && name)
      v.image = read.images ? { ref: name, present: imagePresent(name, read.images) } : { ref: name };
    if (waiting) v.waitingFor = waiting;
    if (!r.ok) v.problem = `unit invalid: ${errors[0] ? formatDiagnostic(errors[0]) : 'not supported'}`;
    else if (applyErrors.length > 0) v.problem = `not applied: ${applyErrors[0]}`;
    else if (waiting) {
      v.healthy = false;
      v.problem = `waiting for ${waiting}`;
    }
    return v;
  }
  const m = r.model;
  const name = kept ?? m.pod;
  const view: PodView = { name, kind, file: r.path, unit, healthy: false };
  const finit = finitOf(read, `pod:${name}`);
  if (finit) view.finit = finit;
  const c =
    read.containers?.find((c) => c.names.includes(m.containerName)) ??
    read.containers?.find((c) => c.labels[LABEL_POD] === name);
  if (!read.containers) view.container = { state: UNKNOWN };
  else if (c) {
    view.container = { id: c.id.slice(0, 12), name: c.names[0] ?? '', state: c.state, image: c.image };
    if (c.startedAt && c.state === 'running') {
      view.container.startedAt = new Date(c.startedAt * 1000).toISOString();
      view.uptime = Math.max(0, Math.round(now - c.startedAt));
    }
  }
  const archive = podArchive(m);
  const ref = archive && 'tag' in archive ? archive.tag : m.image;
  if (ref) view.image = read.images ? { ref, present: imagePresent(ref, read.images) } : { ref };

  if (waiting) view.waitingFor = waiting;
  const update = read.updates && updateView(read.updates, name);
  if (update) view.update = update;
  // a pod Finit does not know (no stanza) has no run whose health could be starting
  if (m.health && (view.finit || read.health?.[name]))
    view.health = healthView(read.health?.[name], view.finit?.pid);
  if (m.notify) {
    view.notify = m.notify === 'healthy' ? 'healthy' : 'true';
    const isReady = read.readyPods?.get(name);
    if (isReady !== undefined) view.ready = isReady;
  }
  const running = view.finit?.status === 'running' && view.container?.state === 'running';
  const unhealthy = r.ok ? healthProblem(name, view.health) : undefined;
  view.healthy = r.ok && running && applyErrors.length === 0 && !unhealthy;
  // what the unit itself says, or a missing image, before what the last apply could not do
  if (!view.healthy)
    view.problem =
      unhealthy ??
      (!r.ok || applyErrors.length === 0 || view.image?.present === false
        ? problemOf(view, r, ready, read)
        : `not applied: ${applyErrors[0]}`);
  return view;
}

/** What a pod that is not ready has not done yet, by what makes it ready. */
const notReadyWhy = (notify: Readiness): string =>
  notify === 'healthy' ? 'its health check has not passed' : 'its container has not sent READY=1';

/** The Finit service name a unit kind runs under (pod:NAME for a container). */
const serviceName = (kind: UnitKind): string =>
  kind === 'pod' ? 'podman-pod' : kind === 'kube' ? 'kube' : 'pod';

/**
 * The Finit services status expects to find: each usable unit's, and the pod a broken unit's kept
 * stanza runs (a broken unit with none has no service to ask for).
 */
function servicesExpected(results: readonly UnitResult[], last: DaemonState | undefined): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (!r.ok) {
      const kept = keptPod(r, last);
      if (kept) out.push(`pod:${kept}`);
    } else if (r.model?.kind === 'container') out.push(`pod:${r.model.pod}`);
    else if (r.model?.kind === 'pod' || r.model?.kind === 'kube')
      out.push(`${serviceName(r.model.kind)}:${r.model.resource}`);
  }
  return out;
}

/** How a unit is named in status's table: its Finit identity, or KIND:NAME. */
const shownName = (u: PodView): string =>
  u.kind === 'container' || u.kind === 'pod' || u.kind === 'kube'
    ? `${serviceName(u.kind)}:${printable(u.name)}`
    : `${u.kind}:${printable(u.name)}`;

/**
 * The services a unit's service waits for that are not there yet: not running, or running but not
 * ready (Notify=), each named with why. Empty when Finit's services could not be listed.
 */
export function unmetDependencies(r: UnitResult, read: StatusReadings): string[] {
  if (!r.model || !('service' in r.model) || !read.services || !read.dependencies) return [];
  const out: string[] = [];
  for (const d of read.dependencies.dependsOn(r.name.filename, r.model.needs, r.model.service)) {
    const ident = identityText(d);
    const svc = finitOf(read, ident);
    if (svc?.status !== 'running')
      out.push(`${ident} (${svc ? `Finit says ${svc.status}` : 'not known to Finit'})`);
    else if (d.ready && read.readyPods?.get(d.id) === false)
      out.push(`${ident} (not ready: ${notReadyWhy(d.ready)})`);
  }
  return out;
}

function problemOf(v: PodView, r: UnitResult, ready: boolean, read: StatusReadings): string {
  const failed = read.errors;
  const err = r.diagnostics.find((d) => d.severity === 'error');
  if (err) return `unit invalid: ${formatDiagnostic(err)}`;
  if (v.image?.present === false)
    return `image missing: ${v.image.ref} is not in local storage${v.waitingFor && v.waitingFor !== 'image' ? ` (waiting for ${v.waitingFor})` : ''}`;
  if (failed.services) return `Finit's state is unknown: ${failed.services}`;
  if (!v.finit) return 'no Finit stanza yet: run finit-pods sync (or start the daemon)';
  if (!ready)
    return 'waiting for the condition usr/finit-pods (set by finit-pods sync or the daemon after boot recovery)';
  if (v.finit.status === 'crashed') return 'Finit gave up restarting it (crashed)';
  if (v.finit.status !== 'running') {
    const unmet = unmetDependencies(r, read);
    return `Finit says ${v.finit.status}${unmet.length > 0 ? `: waiting for ${unmet.join(', ')}` : ''}`;
  }
  if (failed.containers) return `the container's state is unknown: ${failed.containers}`;
  return `the container is ${v.container?.state ?? 'missing'}`;
}

const fmtUptime = (s?: number) =>
  s === undefined
    ? '-'
    : s < 120
      ? `${s}s`
      : s < 7200
        ? `${Math.round(s / 60)}m`
        : s < 172800
          ? `${Math.round(s / 3600)}h`
          : `${Math.round(s / 86400)}d`;

export function formatStatus(v: StatusView): string {
  const head = ['UNIT', 'STATE', 'FINIT', 'RESTARTS', 'CONTAINER', 'ID', 'IMAGE', 'UPTIME', 'HEALTH'];
  const rows = v.units.map((u) => [
    shownName(u),
    u.unit.state,
    u.finit?.status ?? '-',
    u.finit?.restarts === undefined ? '-' : String(u.finit.restarts),
    u.container?.state ?? '-',
    u.container?.id ?? '-',
    u.image ? (u.image.present === undefined ? UNKNOWN : u.image.present ? 'present' : 'missing') : '-',
    fmtUptime(u.uptime),
    u.health?.status ?? '-',
  ]);
  const out = columns(head, rows);
  for (const u of v.units) {
    if (u.problem)
      out.push(
        `${u.kind === 'container' || u.kind === 'pod' || u.kind === 'kube' ? shownName(u) : printable(u.file)}: ${printable(u.problem)}`,
      );
    for (const m of u.unit.messages) if (!u.problem?.includes(m)) out.push(`    ${printable(m)}`);
    const update = u.update && updateProblem(u.update);
    if (update) out.push(`${shownName(u)}: ${printable(update)}`);
    // running, not ready yet: not a fault, but what waits for it waits
    if (u.ready === false && u.healthy && u.notify)
      out.push(
        `${shownName(u)}: not ready yet (${notReadyWhy(u.notify === 'healthy' ? 'healthy' : 'notify')}): what waits for it waits`,
      );
  }
  for (const f of v.failures ?? []) out.push(`unknown: ${printable(f)}`);
  if (!v.ready) out.push('note: usr/finit-pods is not set, so no pod may start yet');
  return `${out.join('\n')}\n`;
}

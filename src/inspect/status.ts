// The status view: per unit, what finit-pods, Finit and Podman each say about it, gathered with
// one call each (translate the units directory; `initctl status`; `podman ps -a`; `podman
// images`), so it works with or without the daemon. Schema: docs/status.md.

import type { Finit } from '../apply/finit.js';
import { type FinitService, finitServices } from '../apply/finit-status.js';
import { imagePresent, type LocalImages, podmanCli } from '../apply/podman.js';
import type { Runner, RunResult } from '../apply/run.js';
import { archiveImage, type SyncConfig } from '../apply/sync.js';
import { printable } from '../lib/text.js';
import { formatDiagnostic } from '../model/diagnostics.js';
import { defaultContainerName } from '../model/index.js';
import { translateDir, type UnitResult } from '../model/translate.js';
import { finitCaps } from '../render/finit.js';
import { LABEL_POD, READY_CONDITION } from '../render/stanza.js';

export interface PodView {
  /** Pod name (Finit identity pod:NAME); for networks and volumes, the resource name. */
  name: string;
  kind: 'container' | 'network' | 'volume' | 'other';
  file: string;
  unit: { state: 'ok' | 'warning' | 'error'; messages: string[] };
  finit?: { status: string; pid: number; restarts?: number };
  container?: { id: string; name: string; state: string; image: string; startedAt?: string };
  image?: { ref: string; present: boolean };
  /** Seconds the container has been running. */
  uptime?: number;
  healthy: boolean;
  /** One sentence when not healthy. */
  problem?: string;
}

export interface StatusView {
  finitVersion: string;
  ready: boolean;
  units: PodView[];
  healthy: boolean;
}

interface PsJsonRow {
  Id?: string;
  Names?: string[] | null;
  State?: string;
  Image?: string;
  StartedAt?: number;
  Labels?: Record<string, string> | null;
}

export async function collectStatus(
  cfg: SyncConfig,
  finit: Finit,
  exec: Runner,
  only: string[] = [],
): Promise<StatusView> {
  return (await collectStatusWith(cfg, finit, exec, only)).view;
}

/**
 * collectStatus, with what it read to build the view (the units' translation and `podman ps`),
 * for a caller that needs them too (doctor) and should not read them twice.
 */
export async function collectStatusWith(
  cfg: SyncConfig,
  finit: Finit,
  exec: Runner,
  only: string[] = [],
): Promise<{ view: StatusView; results: UnitResult[]; ps: RunResult; services: FinitService[] }> {
  const version = await finit.version();
  const caps = finitCaps(version);
  const { results } = translateDir(cfg.unitsDir, { maxPodName: caps.maxId });
  const services = await finitServices(finit.initctl, caps.serviceConditions, exec);
  const ready = await finit.condGet(READY_CONDITION);
  const ps = await exec(cfg.podman, ['ps', '-a', '--format', 'json'], { timeoutMs: 30_000 });
  const rows = (ps.exitCode === 0 ? (JSON.parse(ps.stdout || '[]') ?? []) : []) as PsJsonRow[];
  const needImages = results.some((r) => r.model?.kind === 'container');
  const images = needImages
    ? await podmanCli(cfg.podman, exec).images()
    : { names: new Set<string>(), ids: new Set<string>() };
  const now = Date.now() / 1000;

  const units: PodView[] = [];
  for (const r of results) {
    const view = unitView(r, services, rows, images, now, ready);
    if (only.length === 0 || only.includes(view.name) || only.includes(r.name.filename)) units.push(view);
  }
  const view = { finitVersion: version, ready, units, healthy: units.every((u) => u.healthy) };
  return { view, results, ps, services };
}

function unitView(
  r: UnitResult,
  services: FinitService[],
  rows: PsJsonRow[],
  images: LocalImages,
  now: number,
  ready: boolean,
): PodView {
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  const unit = {
    state: errors.length ? ('error' as const) : r.diagnostics.length ? ('warning' as const) : ('ok' as const),
    messages: r.diagnostics.map(formatDiagnostic),
  };
  const kind =
    r.name.kind === 'container' || r.name.kind === 'network' || r.name.kind === 'volume'
      ? r.name.kind
      : 'other';
  if (r.model?.kind !== 'container') {
    const name = r.model && 'resource' in r.model ? r.model.resource : r.name.stem;
    const v: PodView = { name, kind, file: r.path, unit, healthy: r.ok };
    if (!r.ok) v.problem = `unit invalid: ${errors[0] ? formatDiagnostic(errors[0]) : 'not supported'}`;
    return v;
  }
  const m = r.model;
  const name = m.pod ?? defaultContainerName(r.name);
  const view: PodView = { name, kind, file: r.path, unit, healthy: false };
  const svc = services.find((s) => s.identity === `pod:${name}`);
  if (svc)
    view.finit = {
      status: svc.status,
      pid: svc.pid,
      ...(svc.restarts !== undefined ? { restarts: svc.restarts } : {}),
    };
  const row =
    rows.find((c) => (c.Names ?? []).includes(m.containerName)) ??
    rows.find((c) => c.Labels?.[LABEL_POD] === name);
  if (row) {
    view.container = {
      id: (row.Id ?? '').slice(0, 12),
      name: (row.Names ?? [])[0] ?? '',
      state: (row.State ?? '').toLowerCase(),
      image: row.Image ?? '',
    };
    if (row.StartedAt && view.container.state === 'running') {
      view.container.startedAt = new Date(row.StartedAt * 1000).toISOString();
      view.uptime = Math.max(0, Math.round(now - row.StartedAt));
    }
  }
  const archive = archiveImage(m.image);
  const ref = archive && 'tag' in archive ? archive.tag : m.image;
  if (ref) view.image = { ref, present: imagePresent(ref, images) };

  const running = view.finit?.status === 'running' && view.container?.state === 'running';
  view.healthy = r.ok && running;
  if (!view.healthy) view.problem = problemOf(view, r, ready);
  return view;
}

function problemOf(v: PodView, r: UnitResult, ready: boolean): string {
  const err = r.diagnostics.find((d) => d.severity === 'error');
  if (err) return `unit invalid: ${formatDiagnostic(err)}`;
  if (v.image && !v.image.present) return `image missing: ${v.image.ref} is not in local storage`;
  if (!v.finit) return 'no Finit stanza yet: run finit-pods sync (or start the daemon)';
  if (!ready)
    return 'waiting for the condition usr/finit-pods (set by finit-pods sync or the daemon after boot recovery)';
  if (v.finit.status === 'crashed') return 'Finit gave up restarting it (crashed)';
  if (v.finit.status !== 'running') return `Finit says ${v.finit.status}`;
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
  const head = ['UNIT', 'STATE', 'FINIT', 'RESTARTS', 'CONTAINER', 'ID', 'IMAGE', 'UPTIME'];
  const rows = v.units.map((u) => [
    u.kind === 'container' ? `pod:${printable(u.name)}` : `${u.kind}:${printable(u.name)}`,
    u.unit.state,
    u.finit?.status ?? '-',
    u.finit?.restarts === undefined ? '-' : String(u.finit.restarts),
    u.container?.state ?? '-',
    u.container?.id ?? '-',
    u.image ? (u.image.present ? 'present' : 'missing') : '-',
    fmtUptime(u.uptime),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(head), ...rows.map(line)];
  for (const u of v.units) {
    if (u.problem)
      out.push(
        `${u.kind === 'container' ? `pod:${printable(u.name)}` : printable(u.file)}: ${printable(u.problem)}`,
      );
    for (const m of u.unit.messages) if (!u.problem?.includes(m)) out.push(`    ${printable(m)}`);
  }
  if (!v.ready) out.push('note: usr/finit-pods is not set, so no pod may start yet');
  return `${out.join('\n')}\n`;
}

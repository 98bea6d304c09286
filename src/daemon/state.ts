// /run/finit-pods/state.json: what the last apply found, per unit, written atomically after
// each apply so `status` can answer without the daemon. Mode 0600: its messages may quote values
// of units that only root may read. A corrupt one is set aside and rebuilt by the daemon.

import { join } from 'node:path';
import { readStateFile, writeAtomic } from '../apply/files.js';
import type { SyncReport } from '../apply/sync.js';
import { formatDiagnostic } from '../lib/diagnostics.js';

export interface UnitState {
  kind: string;
  pod?: string;
  /** ok, warning or error (error also when the last good stanza is kept). */
  state: 'ok' | 'warning' | 'error';
  /** What the last apply did: applied, unchanged, kept, error, waiting, image-missing. */
  last: string;
  messages: string[];
  /** What the unit waits for (SyncReport's waitingFor). */
  waitingFor?: string;
  hash?: string;
  stanza?: string;
  /** When this configuration (hash) was applied. */
  appliedAt?: string;
}

export interface DaemonState {
  updatedAt: string;
  finitVersion?: string;
  /** Set while the units directory cannot be read; pods are left as they are. */
  unitsDirError?: string;
  /** Set when the last apply failed for another reason (e.g. initctl did not answer); nothing was changed. */
  applyError?: string;
  units: Record<string, UnitState>;
}

export const statePath = (runDir: string) => join(runDir, 'state.json');

const isState = (v: unknown): v is DaemonState =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as DaemonState).units === 'object' &&
  (v as DaemonState).units !== null &&
  !Array.isArray((v as DaemonState).units);

/**
 * The last state, or undefined. A corrupt file reads as absent; `onCorrupt` (the daemon, its
 * writer) has it set aside first and is told where it went.
 */
export function readState(runDir: string, onCorrupt?: (message: string) => void): DaemonState | undefined {
  return readRunStateFile(statePath(runDir), isState, onCorrupt);
}

/** A JSON file the daemon writes in the run dir, read as readState reads state.json. */
export function readRunStateFile<T>(
  path: string,
  valid: (v: unknown) => v is T,
  onCorrupt?: (message: string) => void,
): T | undefined {
  const r = readStateFile(path, valid, { setAside: onCorrupt !== undefined });
  if (r.why && onCorrupt)
    onCorrupt(`${path} is corrupt (${r.why}); ${r.setAside ? `moved to ${r.setAside} and ` : ''}rebuilt`);
  return r.value;
}

export function stateFromReport(
  rep: SyncReport,
  prev: DaemonState | undefined,
  now = new Date(),
): DaemonState {
  const units: Record<string, UnitState> = {};
  for (const u of rep.units) {
    const errors = u.diagnostics.some((d) => d.severity === 'error');
    const s: UnitState = {
      kind: u.kind,
      state:
        errors || u.state === 'error' || u.state === 'kept'
          ? 'error'
          : u.diagnostics.length
            ? 'warning'
            : 'ok',
      last: u.state,
      messages: u.diagnostics.map(formatDiagnostic),
    };
    if (u.pod) s.pod = u.pod;
    if (u.stanza) s.stanza = u.stanza;
    if (u.waitingFor) s.waitingFor = u.waitingFor;
    const old = prev?.units[u.file];
    if (u.hash) {
      s.hash = u.hash;
      s.appliedAt = old?.hash === u.hash && old.appliedAt ? old.appliedAt : now.toISOString();
    } else if (u.state === 'kept' && old?.hash) {
      s.hash = old.hash;
      if (old.appliedAt) s.appliedAt = old.appliedAt;
    }
    units[u.file] = s;
  }
  return { updatedAt: now.toISOString(), finitVersion: rep.finitVersion, units };
}

export function writeState(runDir: string, s: DaemonState): void {
  writeAtomic(statePath(runDir), `${JSON.stringify(s, null, 2)}\n`);
}

// RUN_DIR/health.json: each pod's last health record (daemon/health.ts), written by the daemon
// whole or not at all, so that `status` and `doctor` (other processes) show health without it.
// Mode 0600 like state.json: a check's output may say what only root should read. A corrupt one
// reads as absent (the daemon sets it aside and writes a new one).

import { join } from 'node:path';
import { writeAtomic } from '../apply/files.js';
import type { HealthRecord } from './health.js';
import { readRunStateFile } from './state.js';

export interface HealthFile {
  updatedAt: string;
  /** Pod name → its record. */
  pods: Record<string, HealthRecord>;
}

export const healthPath = (runDir: string) => join(runDir, 'health.json');

const STATUSES: readonly unknown[] = ['starting', 'healthy', 'unhealthy'];

const isRecord = (v: unknown): v is HealthRecord => {
  const r = v as HealthRecord;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.pid === 'number' &&
    STATUSES.includes(r.status) &&
    typeof r.failingStreak === 'number' &&
    typeof r.startedAt === 'string' &&
    (r.checkedAt === undefined || typeof r.checkedAt === 'string') &&
    (r.output === undefined || typeof r.output === 'string')
  );
};

const isHealthFile = (v: unknown): v is HealthFile => {
  const f = v as HealthFile;
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.pods === 'object' &&
    f.pods !== null &&
    !Array.isArray(f.pods) &&
    Object.values(f.pods).every(isRecord)
  );
};

/** The records, or undefined; `onCorrupt` (the daemon, its writer) has a corrupt file set aside. */
export function readHealth(runDir: string, onCorrupt?: (message: string) => void): HealthFile | undefined {
  return readRunStateFile(healthPath(runDir), isHealthFile, onCorrupt);
}

export function writeHealth(runDir: string, pods: Record<string, HealthRecord>, now = new Date()): void {
  const f: HealthFile = { updatedAt: now.toISOString(), pods };
  writeAtomic(healthPath(runDir), `${JSON.stringify(f, null, 1)}\n`);
}

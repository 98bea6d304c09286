// A throw-away finit-pods configuration for unit tests: every directory under one temporary
// directory (the units directory created, with the given units), removed when the test ends.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SyncConfig } from '../../src/apply/sync.js';

export function tempConfig(
  t: { teardown(fn: () => void): void },
  units: Record<string, string> = {},
  podman = '/usr/bin/podman',
): SyncConfig {
  const dir = mkdtempSync(join(tmpdir(), 'finit-pods-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cfg: SyncConfig = {
    unitsDir: join(dir, 'units'),
    stanzaDir: join(dir, 'enabled'),
    runDir: join(dir, 'run'),
    cniDir: join(dir, 'cni'),
    podman,
  };
  mkdirSync(cfg.unitsDir);
  for (const [name, text] of Object.entries(units)) writeFileSync(join(cfg.unitsDir, name), text);
  return cfg;
}

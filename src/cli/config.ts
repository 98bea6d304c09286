// Where things live (units, stanzas, runtime state, podman), from flags and the environment:
// shared by the commands and by the daemon's early start in main.ts, which must not load them.

import type { SyncConfig } from '../apply/sync.js';

export const PATH_OPTIONS = {
  'units-dir': { type: 'string' },
  'finit-dir': { type: 'string' },
  'run-dir': { type: 'string' },
  'cni-dir': { type: 'string' },
  'state-dir': { type: 'string' },
  podman: { type: 'string' },
} as const;

export const CHECK_OPTIONS = { 'finit-version': { type: 'string' } } as const;

export const DAEMON_OPTIONS = {
  'log-format': { type: 'string' },
  'auto-update': { type: 'string' },
  'update-timeout': { type: 'string' },
  ...PATH_OPTIONS,
} as const;

/** Flags win over environment variables, which win over the defaults. */
export function syncConfig(values: Record<string, string | boolean | undefined>): SyncConfig {
  const pick = (flag: string, env: string, dflt: string) => {
    const v = values[flag];
    return typeof v === 'string' ? v : (process.env[env] ?? dflt);
  };
  return {
    unitsDir: pick('units-dir', 'FINIT_PODS_UNITS_DIR', '/cfg/containers'),
    stanzaDir: pick('finit-dir', 'FINIT_PODS_FINIT_DIR', '/etc/finit.d/enabled'),
    runDir: pick('run-dir', 'FINIT_PODS_RUN_DIR', '/run/finit-pods'),
    cniDir: pick('cni-dir', 'FINIT_PODS_CNI_DIR', '/etc/cni/net.d'),
    stateDir: pick('state-dir', 'FINIT_PODS_STATE_DIR', '/var/lib/finit-pods'),
    podman: pick('podman', 'FINIT_PODS_PODMAN', '/usr/bin/podman'),
  };
}

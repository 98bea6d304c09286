// The systemd sections of a Quadlet unit ([Unit], [Service], [Install]) mapped onto what Finit
// offers: description, dependencies (as Finit conditions later), restart policy, stop timeout and
// runlevels. Keys with no Finit counterpart are warned about, never silently dropped.

import { type Diagnostic, nearest, warning } from './diagnostics.js';
import { INSTALL_KEYS_MAPPED, SERVICE_KEYS_MAPPED, UNIT_KEYS_MAPPED } from './keys.js';
import type { SectionReader } from './reader.js';

export type RestartPolicy = 'default' | 'no' | 'always' | 'on-failure';

export interface ServiceModel {
  description?: string;
  /** Quadlet unit file names (or other names) this unit needs, from Requires=/BindsTo=/Wants=/After=. */
  requires: string[];
  wants: string[];
  after: string[];
  restart: RestartPolicy;
  /** Seconds between restarts, when set. */
  restartSec?: number;
  /** Seconds Finit waits after SIGTERM, from TimeoutStopSec=. */
  timeoutStopSec?: number;
  /** Finit runlevels, e.g. "2345". */
  runlevels: string;
  /** Environment for the podman process itself ([Service] Environment=). */
  environment: Map<string, string>;
}

const TARGET_RUNLEVELS: Record<string, string> = {
  'default.target': '2345',
  'multi-user.target': '2345',
  'graphical.target': '5',
  'rescue.target': '1',
  'basic.target': '2345',
  'sysinit.target': 'S',
};

/** Parses a systemd time span ("10", "10s", "1min 30s", "500ms", "infinity") into seconds. */
export function parseTimeSpan(text: string): number | undefined {
  const t = text.trim();
  if (t === 'infinity') return Number.POSITIVE_INFINITY;
  const units: Record<string, number> = {
    '': 1,
    us: 1e-6,
    ms: 1e-3,
    s: 1,
    sec: 1,
    second: 1,
    seconds: 1,
    m: 60,
    min: 60,
    minute: 60,
    minutes: 60,
    h: 3600,
    hr: 3600,
    hour: 3600,
    hours: 3600,
  };
  let total = 0;
  let matched = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]*)\s*/g)) {
    const mult = units[m[2]!];
    if (mult === undefined) return undefined;
    total += Number(m[1]) * mult;
    matched += m[0].length;
  }
  return matched === t.length && matched > 0 ? total : undefined;
}

function warnUnmapped(r: SectionReader, mapped: ReadonlySet<string>, why: string, ds: Diagnostic[]): void {
  for (const e of r.unit.keys(r.section)) {
    if (mapped.has(e.key)) continue;
    const near = nearest(e.key, mapped);
    const hint = near && near !== e.key ? ` (did you mean ${near}=?)` : '';
    ds.push(warning(e, `${e.key}= in [${r.section}] ${why}; ignored${hint}`));
  }
}

export function readService(
  unitR: SectionReader,
  serviceR: SectionReader,
  installR: SectionReader,
): ServiceModel {
  const ds = unitR.diagnostics;
  warnUnmapped(unitR, UNIT_KEYS_MAPPED, 'is a systemd dependency or option with no Finit counterpart', ds);
  warnUnmapped(serviceR, SERVICE_KEYS_MAPPED, 'has no effect: Finit, not systemd, runs the pod', ds);
  warnUnmapped(installR, INSTALL_KEYS_MAPPED, 'has no Finit counterpart', ds);

  const words = (r: SectionReader, key: string) => r.strv(key).map((v) => v.value);
  const model: ServiceModel = {
    requires: [...words(unitR, 'Requires'), ...words(unitR, 'BindsTo')],
    wants: words(unitR, 'Wants'),
    after: words(unitR, 'After'),
    restart: 'default',
    runlevels: '2345',
    environment: new Map(),
  };
  const desc = unitR.nonEmpty('Description');
  if (desc) model.description = desc.value;

  const restart = serviceR.nonEmpty('Restart');
  if (restart) {
    const v = restart.value;
    if (v === 'no') model.restart = 'no';
    else if (v === 'always') model.restart = 'always';
    else if (['on-failure', 'on-abnormal', 'on-abort', 'on-watchdog', 'on-success'].includes(v)) {
      model.restart = 'on-failure';
      if (v !== 'on-failure')
        ds.push(
          warning(restart.at, `Restart=${v}: Finit restarts a pod whenever it exits; read as on-failure`),
        );
    } else ds.push(warning(restart.at, `Restart=${v} is not a systemd restart policy; ignored`));
  }
  for (const [key, set] of [
    ['RestartSec', (n: number) => (model.restartSec = n)],
    ['TimeoutStopSec', (n: number) => (model.timeoutStopSec = n)],
  ] as const) {
    const v = serviceR.nonEmpty(key);
    if (!v) continue;
    const n = parseTimeSpan(v.value);
    if (n === undefined) ds.push(warning(v.at, `${key}=${v.value} is not a time span; ignored`));
    else set(n);
  }
  const tss = serviceR.nonEmpty('TimeoutStartSec');
  if (tss) ds.push(warning(tss.at, 'TimeoutStartSec= has no effect: Finit does not time out a starting pod'));
  for (const [k, v] of serviceR.keyVals('Environment')) model.environment.set(k, v.value ?? '');

  const targets = [...installR.strv('WantedBy'), ...installR.strv('RequiredBy')];
  if (targets.length > 0) {
    const levels = new Set<string>();
    for (const t of targets) {
      const lv = TARGET_RUNLEVELS[t.value];
      if (lv) for (const c of lv) levels.add(c);
      else
        ds.push(
          warning(
            t.at,
            `WantedBy=${t.value}: not a target finit-pods maps to runlevels; the pod runs in [2345]`,
          ),
        );
    }
    // Finit writes S (bootstrap) first: [S12345]
    if (levels.size > 0)
      model.runlevels = [...levels]
        .sort((a, b) => (a === 'S' ? -1 : b === 'S' ? 1 : a < b ? -1 : 1))
        .join('');
  }
  return model;
}

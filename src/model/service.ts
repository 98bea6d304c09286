// The systemd sections of a Quadlet unit ([Unit], [Service], [Install]) mapped onto what Finit
// offers: description, dependencies (as Finit conditions later), restart policy, stop timeout and
// runlevels. Keys with no Finit counterpart are warned about, never silently dropped.

import { type Diagnostic, nearest, warning } from '../lib/diagnostics.js';
import { UNIT_FILE_NAME } from '../parse/load.js';
import type { UnitFile } from '../parse/unitfile.js';
import { INSTALL_KEYS_MAPPED, SERVICE_KEYS_MAPPED, SYSTEMD_NO_EFFECT, UNIT_KEYS_MAPPED } from './keys.js';
import type { SectionReader } from './reader.js';

export type RestartPolicy = 'default' | 'no' | 'always' | 'on-failure';

export interface ServiceModel {
  description?: string;
  /** Quadlet unit file names (or other names) this unit needs, from Requires=/BindsTo=/Wants=/After=. */
  requires: string[];
  wants: string[];
  after: string[];
  /** Units that wait for this one (Before=): Finit orders by what a service waits for, so they get the condition. */
  before: string[];
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

const TIME_UNITS: Record<string, number> = {
  '': 1,
  usec: 1e-6,
  us: 1e-6,
  µs: 1e-6,
  msec: 1e-3,
  ms: 1e-3,
  seconds: 1,
  second: 1,
  sec: 1,
  s: 1,
  minutes: 60,
  minute: 60,
  min: 60,
  m: 60,
  hours: 3600,
  hour: 3600,
  hr: 3600,
  h: 3600,
  days: 86400,
  day: 86400,
  d: 86400,
  weeks: 604800,
  week: 604800,
  w: 604800,
  months: 2629800,
  month: 2629800,
  M: 2629800,
  years: 31557600,
  year: 31557600,
  y: 31557600,
};

/** Parses a systemd time span ("10", "10s", "1min 30s", "500ms", "2d", "infinity") into seconds. */
export function parseTimeSpan(text: string): number | undefined {
  const t = text.trim();
  if (t === 'infinity') return Number.POSITIVE_INFINITY;
  if (/^\d+$/.test(t)) return Number(t); // plain seconds, the usual case
  let total = 0;
  let matched = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)\s*([a-zA-Zµ]*)\s*/g)) {
    const mult = TIME_UNITS[m[2]!];
    if (mult === undefined || m.index !== matched) return undefined;
    total += Number(m[1]) * mult;
    matched += m[0].length;
  }
  return matched === t.length && matched > 0 ? total : undefined;
}

const ON_FAILURE: ReadonlySet<string> = new Set([
  'on-failure',
  'on-abnormal',
  'on-abort',
  'on-watchdog',
  'on-success',
]);
const INSTALL_TARGET_KEYS = ['WantedBy', 'RequiredBy'];
/** Finit's runlevels in the order a stanza lists them: S (bootstrap) first. */
const RUNLEVEL_ORDER = 'S0123456789';

/** Targets finit-pods' own start order stands for: pods start once the system is up. */
const KNOWN_TARGETS: ReadonlySet<string> = new Set([
  'network-online.target',
  'network.target',
  'local-fs.target',
  'remote-fs.target',
  'basic.target',
  'sysinit.target',
  'multi-user.target',
  'default.target',
]);

function warnUnmapped(r: SectionReader, mapped: ReadonlySet<string>, why: string, ds: Diagnostic[]): void {
  const keys = r.unit.keys(r.section);
  for (let i = 0; i < keys.length; i++) {
    const e = keys[i]!;
    if (mapped.has(e.key)) continue;
    const meaning = SYSTEMD_NO_EFFECT[`${r.section}.${e.key}`];
    if (meaning) {
      ds.push(warning(e, `${e.key}= in [${r.section}] has no effect under finit-pods: ${meaning}`));
      continue;
    }
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

  const words = (key: string, out: string[] = []): string[] => {
    if (!unitR.has(key)) return out;
    const vs = unitR.strv(key);
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i]!;
      if (UNIT_FILE_NAME.test(v.value) || KNOWN_TARGETS.has(v.value)) out.push(v.value);
      else
        ds.push(
          warning(
            v.at,
            `${key}=${v.value}: finit-pods orders units only by the Quadlet units of this directory (NAME.container, .pod, .kube, …); ignored`,
          ),
        );
    }
    return out;
  };
  const model: ServiceModel = {
    // PartOf= and Requisite= stop or hold this one with the other, as BindsTo= does: a condition
    requires: words('Requisite', words('PartOf', words('BindsTo', words('Requires')))),
    wants: words('Wants'),
    after: words('After'),
    before: words('Before'),
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
    else if (ON_FAILURE.has(v)) {
      model.restart = 'on-failure';
      if (v !== 'on-failure')
        ds.push(
          warning(restart.at, `Restart=${v}: Finit restarts a pod whenever it exits; read as on-failure`),
        );
    } else ds.push(warning(restart.at, `Restart=${v} is not a systemd restart policy; ignored`));
  }
  const seconds = (key: string): number | undefined => {
    const v = serviceR.nonEmpty(key);
    if (!v) return undefined;
    const n = parseTimeSpan(v.value);
    if (n === undefined) ds.push(warning(v.at, `${key}=${v.value} is not a time span; ignored`));
    return n;
  };
  const restartSec = seconds('RestartSec');
  if (restartSec !== undefined) model.restartSec = restartSec;
  const timeoutStopSec = seconds('TimeoutStopSec');
  if (timeoutStopSec !== undefined) model.timeoutStopSec = timeoutStopSec;
  const tss = serviceR.nonEmpty('TimeoutStartSec');
  if (tss) ds.push(warning(tss.at, 'TimeoutStartSec= has no effect: Finit does not time out a starting pod'));
  if (serviceR.has('Environment'))
    serviceR.keyVals('Environment').forEach((v, k) => {
      model.environment.set(k, v.value ?? '');
    });

  // WantedBy=/RequiredBy= targets → runlevels, in Finit's order: S (bootstrap) first, [S12345]
  let levels = '';
  for (let k = 0; k < INSTALL_TARGET_KEYS.length; k++) {
    const key = INSTALL_TARGET_KEYS[k]!;
    if (!installR.has(key)) continue;
    const targets = installR.strv(key);
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      const lv = TARGET_RUNLEVELS[t.value];
      if (lv) levels += lv;
      else
        ds.push(
          warning(
            t.at,
            `${key}=${t.value}: not a target finit-pods maps to runlevels; the pod runs in [2345]`,
          ),
        );
    }
  }
  if (levels !== '') {
    let ordered = '';
    for (let i = 0; i < RUNLEVEL_ORDER.length; i++)
      if (levels.includes(RUNLEVEL_ORDER[i]!)) ordered += RUNLEVEL_ORDER[i];
    model.runlevels = ordered;
  }
  return model;
}

/**
 * Warns about sections finit-pods does not read (a typo such as [Servcie] gets a suggestion).
 * `X-` sections are extension data for other tools and are ignored silently, as systemd does.
 */
export function warnUnknownSections(unit: UnitFile, known: readonly string[], ds: Diagnostic[]): void {
  for (const name of unit.sections.keys()) {
    if (known.includes(name) || name.startsWith('X-')) continue;
    const at = unit.headers.get(name) ?? { file: unit.path, line: 0 };
    const near = nearest(name, known);
    ds.push(
      warning(
        at,
        `section [${name}] is not read by finit-pods; its keys are ignored${near ? ` (did you mean [${near}]?)` : ''}`,
      ),
    );
  }
}

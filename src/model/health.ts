// [Container] health and readiness keys as finit-pods acts on them. The check itself stays
// podman's (--health-cmd and the schedule keys, from the key table: `podman healthcheck run`
// needs them), but finit-pods' daemon runs it on the unit's schedule, read here with podman's
// defaults and Go durations. HealthOnFailure= and HealthStartupRetries= never reach podman: it
// would stop or restart the container itself, behind Finit's back; the daemon ends the container
// instead, so Finit restarts the pod and counts it.

import { type Diagnostic, error, warning } from '../lib/diagnostics.js';
import type { SectionReader } from './reader.js';

export const ON_FAILURE = ['none', 'kill', 'restart', 'stop'] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

/** When and how a pod's health check runs, in milliseconds. */
export interface HealthSpec {
  intervalMs: number;
  timeoutMs: number;
  /** Failed checks in a row (after the start period) that make the pod unhealthy. */
  retries: number;
  /** From the start: failures before the first success do not count. */
  startPeriodMs: number;
  onFailure: OnFailure;
  /** HealthStartupCmd=: checked at its own pace until it passed `successes` times, then the regular check. */
  startup?: { intervalMs: number; timeoutMs: number; retries: number; successes: number };
}

/**
 * What makes a pod ready for the pods that wait for it, besides running: its health check passing
 * (Notify=healthy, seen by the daemon), or the container's own READY=1 (Notify=true: podman's
 * --sdnotify=container passes it to a socket the runner listens on).
 */
export type Readiness = 'healthy' | 'notify';

/** podman's defaults (podman-run(1)). */
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 3;

const GO_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration ("30s", "1m30s", "1.5h", "0"), as podman reads --health-* values: milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  const t = text.trim();
  // the sign apart by hand: a value may hold any character, a line break too
  const sign = t.startsWith('-') || t.startsWith('+') ? t[0]! : '';
  const body = t.slice(sign.length);
  if (body === '0') return 0;
  let total = 0;
  let at = 0;
  for (const p of body.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    if (p.index !== at) return undefined;
    total += Number(p[1]) * GO_UNITS[p[2]!]!;
    at += p[0].length;
  }
  if (at === 0 || at !== body.length) return undefined;
  return sign === '-' ? -total : total;
}

/** The pod's health schedule and readiness, as the daemon and the stanza use them. */
export function readHealth(r: SectionReader, ds: Diagnostic[]): { health?: HealthSpec; notify?: Readiness } {
  const duration = (key: string, fallback: number, min: number, minText: string): number => {
    const v = r.nonEmpty(key);
    if (!v) return fallback;
    const ms = parseGoDuration(v.value);
    if (ms === undefined) {
      ds.push(error(v.at, `${key}=${v.value} is not a duration podman reads (30s, 1m30s, 500ms)`));
      return fallback;
    }
    if (ms < min) {
      ds.push(error(v.at, `${key}=${v.value}: podman needs ${minText}`));
      return fallback;
    }
    return ms;
  };
  const count = (key: string, fallback: number, min: number): number => {
    const v = r.nonEmpty(key);
    if (!v) return fallback;
    if (!/^\d+$/.test(v.value) || Number(v.value) < min) {
      ds.push(error(v.at, `${key}=${v.value}: must be a whole number, at least ${min}`));
      return fallback;
    }
    return Number(v.value);
  };

  let onFailure: OnFailure = 'none';
  const of = r.nonEmpty('HealthOnFailure');
  if (of && (ON_FAILURE as readonly string[]).includes(of.value)) onFailure = of.value as OnFailure;
  else if (of) ds.push(error(of.at, `HealthOnFailure=${of.value}: must be ${ON_FAILURE.join(', ')}`));

  const cmd = r.nonEmpty('HealthCmd');
  const interval = r.nonEmpty('HealthInterval');
  let health: HealthSpec | undefined;
  // HealthCmd=none turns a check off, HealthInterval=disable its schedule (podman-run(1))
  if (cmd && cmd.value.toLowerCase() !== 'none' && interval?.value !== 'disable') {
    health = {
      intervalMs: duration('HealthInterval', DEFAULT_INTERVAL_MS, 1, 'more than 0'),
      timeoutMs: duration('HealthTimeout', DEFAULT_TIMEOUT_MS, 1000, 'at least 1 second'),
      retries: count('HealthRetries', DEFAULT_RETRIES, 1),
      startPeriodMs: duration('HealthStartPeriod', 0, 0, '0 seconds or more'),
      onFailure,
    };
    if (r.nonEmpty('HealthStartupCmd'))
      health.startup = {
        intervalMs: duration('HealthStartupInterval', DEFAULT_INTERVAL_MS, 1, 'more than 0'),
        timeoutMs: duration('HealthStartupTimeout', DEFAULT_TIMEOUT_MS, 1000, 'at least 1 second'),
        retries: count('HealthStartupRetries', 0, 0),
        successes: Math.max(1, count('HealthStartupSuccess', 0, 0)),
      };
  }
  const startup = r.nonEmpty('HealthStartupCmd');
  if (startup && (!cmd || cmd.value.toLowerCase() === 'none'))
    ds.push(
      warning(
        startup.at,
        'HealthStartupCmd= without HealthCmd=: podman refuses a startup check without a regular one (unless the image has its own), and finit-pods runs neither',
      ),
    );
  const notify = readNotify(r, health !== undefined, ds);
  return { ...(health ? { health } : {}), ...(notify ? { notify } : {}) };
}

function readNotify(r: SectionReader, checked: boolean, ds: Diagnostic[]): Readiness | undefined {
  const v = r.nonEmpty('Notify');
  if (!v) return undefined;
  if (v.value !== 'healthy') return r.bool('Notify')?.value ? 'notify' : undefined;
  if (checked) return 'healthy';
  ds.push(
    warning(
      v.at,
      'Notify=healthy without a health check finit-pods runs (HealthCmd=, an interval other than disable): the pod counts as ready when it runs',
    ),
  );
  return undefined;
}

/** The HEALTH setting of a pod's argv file: its schedule, for the daemon to read from the runner's copy. */
export const healthSetting = (h: HealthSpec): string => JSON.stringify(h);

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A HEALTH setting back, or undefined when it is not one (written by another version). */
export function parseHealthSetting(text: string): HealthSpec | undefined {
  let v: Partial<HealthSpec>;
  try {
    v = JSON.parse(text) as Partial<HealthSpec>;
  } catch {
    return undefined;
  }
  const s = v?.startup;
  const ok =
    typeof v === 'object' &&
    v !== null &&
    [v.intervalMs, v.timeoutMs, v.retries, v.startPeriodMs].every(isCount) &&
    (ON_FAILURE as readonly unknown[]).includes(v.onFailure) &&
    (s === undefined || [s.intervalMs, s.timeoutMs, s.retries, s.successes].every(isCount));
  return ok ? (v as HealthSpec) : undefined;
}

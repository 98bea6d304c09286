// A container model → the files Finit runs it from:
//   pod-NAME.conf  the stanza: a short fixed command, nothing from the unit file on it but
//                  validated names, a hash and a sanitised description;
//   pod-NAME.argv  the real podman command lines (run, stop, reload), one argument per line,
//                  read by the runner script without eval, so no value is ever split,
//                  truncated, expanded or executed by Finit's parser or wordexp(3).
// The hash of everything is an argument on the stanza line: when anything changes, Finit sees
// new arguments and restarts the pod; when nothing changes, the files stay byte-identical.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Diagnostic, error, type Origin, warning } from '../lib/diagnostics.js';
import { argvTooBig } from '../lib/limits.js';
import { shellJoin } from '../lib/shell.js';
import type { ServiceUnitModel } from '../model/commands.js';
import { type ContainerModel, podmanArgv } from '../model/container.js';
import { healthSetting, type Readiness } from '../model/health.js';
import type { ServiceModel } from '../model/service.js';
import type { FinitCaps } from './finit.js';
import {
  LABEL_HASH,
  LABEL_MANAGED,
  LABEL_POD,
  podReadyCondition,
  READY_CONDITION,
  SERVICE_NAMES,
  type ServiceName,
} from './labels.js';

export { LABEL_HASH, LABEL_MANAGED, LABEL_POD, READY_CONDITION } from './labels.js';
export const OWNER_MARK = '# finit-pods: generated';
export const RUNNER_NAME = 'finit-pods-run';

export interface StanzaPaths {
  /** Where stanzas live as seen by Finit, e.g. /etc/finit.d/enabled. */
  stanzaDir: string;
  /** The podman binary. */
  podman: string;
  /** initctl, for the usr/ conditions the runner sets on Finit before 4.4. */
  initctl: string;
}

export interface RenderedPod {
  pod: string;
  container: string;
  hash: string;
  conf: string;
  argv: string;
  runArgv: string[];
  stopArgv: string[];
  diagnostics: Diagnostic[];
}

/** Escapes one argument for the argv file: backslash and newline, then a leading space marks it. */
export function encodeArg(a: string): string {
  return ` ${a.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`;
}

/** One section of pod-NAME.argv: its `@NAME` line, then its arguments, one per line. */
export function argvSection(name: string, args: readonly string[]): string[] {
  return [`@${name}`, ...args.map(encodeArg)];
}

// Finit's parser reads the description as text, but '#' and control characters are not safe
// there on every version; quotes and '$' are kept out so the line never looks like shell.
function sanitiseDescription(d: string): string {
  return (
    d
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we remove
      .replace(/[\x00-\x1f\x7f#\\"'`$]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/**
 * Comment lines for the stanza file. Finit reads a .conf line by line into a fixed buffer, so a
 * very long line would be cut and its rest read as a line of its own: every comment line is kept
 * well under that size, and control characters (a newline from a file name) are replaced, so
 * nothing from a unit can ever become a directive.
 */
export function commentLines(prefix: string, text: string, max = 900): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we replace
  const clean = text.replace(/[\x00-\x1f\x7f]/g, '?');
  if (Buffer.byteLength(prefix) + Buffer.byteLength(clean) <= max) return [prefix + clean];
  const lines: string[] = [];
  let cur = prefix;
  let bytes = Buffer.byteLength(prefix);
  for (const ch of clean) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max) {
      lines.push(cur);
      cur = '#     ';
      bytes = cur.length;
    }
    cur += ch;
    bytes += n;
  }
  lines.push(cur);
  return lines;
}

function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(`${out + ch}...`) > max) break;
    out += ch;
  }
  return `${out}...`;
}

/**
 * A Finit service finit-pods writes, by its identity NAME:ID: `pod:web` runs a container,
 * `podman-pod:app` a .pod unit's pod, `kube:demo` a .kube unit. The names differ, so a .pod and a
 * .container of the same name never share an identity or a file.
 */
export interface ServiceIdentity {
  name: ServiceName;
  id: string;
  /** What makes it ready for the services that wait for it (a container's Notify=); default: running. */
  ready?: Readiness;
}

export const identityText = (i: ServiceIdentity): string => `${i.name}:${i.id}`;
/** The service's files are STEM.conf and STEM.argv: `pod-web`, `podman-pod-app`, `kube-demo`. */
export const fileStem = (i: ServiceIdentity): string => `${i.name}-${i.id}`;
/** A file name fileStem gives: [1] the stem, [2] `conf` or `argv`. */
export const SERVICE_FILE = new RegExp(`^((?:${SERVICE_NAMES.join('|')})-.+)\\.(conf|argv)$`);

/** Service names, longest first: `podman-pod-x` is not pod `man-pod-x`. */
const LONGEST_FIRST = [...SERVICE_NAMES].sort((a, b) => b.length - a.length);

/** The identity a stem was made from (fileStem's inverse); undefined for any other name. */
export function stemIdentity(stem: string): ServiceIdentity | undefined {
  const name = LONGEST_FIRST.find((n) => stem.startsWith(`${n}-`));
  return name && stem.length > name.length + 1 ? { name, id: stem.slice(name.length + 1) } : undefined;
}

/**
 * The unit file a stanza finit-pods wrote was made from, as its first line says (the first of
 * its sources); undefined when that line cannot say it (not ours, or a path the line cannot hold).
 */
export function stanzaSource(conf: string): string | undefined {
  const head = `${OWNER_MARK} from `;
  if (!conf.startsWith(head)) return undefined;
  const nl = conf.indexOf('\n');
  const line = conf.slice(head.length, nl < 0 ? undefined : nl);
  const end = line.indexOf(', ');
  return end < 0 ? line : line.slice(0, end);
}
/** The runner's first argument: a container's pod name alone (as every earlier version wrote it), NAME:ID otherwise. */
const runnerArg = (i: ServiceIdentity): string => (i.name === 'pod' ? i.id : identityText(i));

/**
 * The runner sets usr/STEM once it has started the service: before Finit 4.4, which has no
 * service conditions, and for a .pod on every version, whose members must not start before
 * `pod create --replace` has run (Finit's service/NAME/running comes as the runner starts, and
 * the replace removes a pod a power cut left with every member that joined it).
 */
const runnerCondition = (i: ServiceIdentity, caps: FinitCaps): boolean =>
  !caps.serviceConditions || i.name === 'podman-pod';

/** The condition a service that needs this one waits on while it runs, or while it is ready. */
export function serviceCondition(i: ServiceIdentity, caps: FinitCaps): string {
  if (i.ready) return `usr/${podReadyCondition(i.id)}`;
  return runnerCondition(i, caps) ? `usr/${fileStem(i)}` : `service/${identityText(i)}/running`;
}

/** What renderService needs to write one Finit service and its argv file. */
export interface ServiceDef {
  identity: ServiceIdentity;
  sources: readonly string[];
  description: string;
  service: ServiceModel;
  /** Seconds the stop command may take (podman's stop timeout). */
  stopTimeout: number;
  /** Services this one waits for. */
  dependsOn: readonly ServiceIdentity[];
  settings: readonly [string, string][];
  /**
   * The runner's sections (see finit-pods-run.sh), given the hash of everything, which a
   * container carries as a label: `run` is what Finit supervises; `create` and `prestart` run
   * before it, `stop` on SIGTERM, `poststop` after it ended, `reload` on SIGHUP.
   */
  sections: (hash: string) => [string, readonly string[]][];
  /** More that defines the service without being in a section (the YAML a .kube plays). */
  hashExtra?: unknown;
  /**
   * A usr/ condition set while the service is ready (by the daemon for Notify=healthy, by the
   * runner's relay for Notify=true): the runner clears it as it starts and ends.
   */
  readyCondition?: string;
  /** The hash's input, when it must stay what an earlier version hashed (a container's pod). */
  hashInput?: (common: HashCommon) => unknown;
}

/** What every service's hash covers besides its commands. */
interface HashCommon {
  settings: [string, string][];
  conditions: string[];
  restart: string;
  description: string;
  runlevels: string;
  kill: number;
}

export interface RenderedService {
  identity: ServiceIdentity;
  hash: string;
  conf: string;
  argv: string;
  sections: Map<string, readonly string[]>;
  diagnostics: Diagnostic[];
}

/**
 * Finit's kill delay: the runner's stop command must finish inside it, so it is the stop timeout
 * + 5 s, or [Service] TimeoutStopSec= when that is longer, within what this Finit takes.
 */
function killDelay(
  stopTimeout: number,
  wanted: number | undefined,
  caps: FinitCaps,
  at: Origin,
  diagnostics: Diagnostic[],
): number {
  const minimum = stopTimeout + 5;
  let kill = minimum;
  if (wanted !== undefined && Number.isFinite(wanted) && wanted > minimum) kill = Math.ceil(wanted);
  else if (wanted !== undefined) {
    diagnostics.push(
      warning(
        at,
        `TimeoutStopSec=${wanted} is shorter than StopTimeout=${stopTimeout} + 5 s; Finit waits ${minimum} s so podman can stop it`,
      ),
    );
  }
  if (kill > caps.maxKill && wanted !== undefined && kill > minimum && minimum <= caps.maxKill) {
    diagnostics.push(
      warning(at, `TimeoutStopSec=${wanted}: Finit ${caps.version} waits at most ${caps.maxKill} s`),
    );
    kill = caps.maxKill;
  }
  if (kill > caps.maxKill) {
    diagnostics.push(
      error(
        at,
        `StopTimeout=${stopTimeout} is too long for Finit ${caps.version}: its kill delay (stop timeout + 5 s) can be at most ${caps.maxKill} s`,
      ),
    );
  }
  return Math.min(kill, caps.maxKill);
}

/** [Service] Restart= as Finit says it: before 4.4, Finit reads restart:always as 0, so 100 restarts. */
function restartOption(restart: string | undefined, caps: FinitCaps): string {
  if (restart === 'no') return 'norestart';
  if (restart === 'always') return caps.restartAlways ? 'restart:always' : 'restart:100';
  return '';
}

/** One Finit service: the stanza (nothing from the unit on its line) and its argv file. */
export function renderService(def: ServiceDef, caps: FinitCaps, paths: StanzaPaths): RenderedService {
  const diagnostics: Diagnostic[] = [];
  const at = { file: def.sources[0] ?? def.identity.id, line: 0 };
  const { identity, service } = def;
  if (identity.id.length > caps.maxId) {
    diagnostics.push(
      error(
        at,
        `${identity.name === 'pod' ? 'pod' : identity.name} name "${identity.id}" is ${identity.id.length} characters; Finit ${caps.version} keeps at most ${caps.maxId} of a service :ID`,
      ),
    );
  }
  const kill = killDelay(def.stopTimeout, service.timeoutStopSec, caps, at, diagnostics);
  if (service.environment.size > 0) {
    diagnostics.push(
      warning(
        at,
        '[Service] Environment= is not passed to podman under finit-pods; use [Container] Environment= for the container',
      ),
    );
  }
  const conditions = [`usr/${READY_CONDITION}`, ...def.dependsOn.map((d) => serviceCondition(d, caps))];
  const restart = restartOption(service.restart, caps);
  const description = truncateBytes(sanitiseDescription(service.description ?? def.description), 63);
  const settings: [string, string][] = [...def.settings];
  if (service.restartSec !== undefined) settings.push(['RESTART_SEC', String(Math.ceil(service.restartSec))]);
  if (runnerCondition(identity, caps) || def.readyCondition) settings.push(['INITCTL', paths.initctl]);
  if (runnerCondition(identity, caps)) settings.push(['COND', fileStem(identity)]);
  if (def.readyCondition) settings.push(['READY_COND', def.readyCondition]);

  // Everything that defines the service goes into the hash, so any change restarts it.
  const common = { settings, conditions, restart, description, runlevels: service.runlevels, kill };
  const input = def.hashInput?.(common) ?? { sections: def.sections(''), ...common, extra: def.hashExtra };
  const hash = createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 12);
  const sections = new Map(def.sections(hash));
  for (const [name, args] of sections) {
    const tooBig = argvTooBig(args);
    if (tooBig) diagnostics.push(error(at, `the ${name} command would have ${tooBig}`));
  }

  const argvLines = [
    ...commentLines(`${OWNER_MARK} from `, `${def.sources[0]}; do not edit: finit-pods sync rewrites it.`),
    '# Read by finit-pods-run: KEY=VALUE settings, then sections whose arguments are one per line,',
    '# each after one space, with "\\\\" and "\\n" escaped.',
    ...settings.map(([k, v]) => `${k}=${v}`),
    ...[...sections].flatMap(([name, args]) => argvSection(name, args)),
  ];
  const runner = `${paths.stanzaDir}/${RUNNER_NAME}`;
  const options = [
    `[${service.runlevels}]`,
    `<${conditions.join(',')}>`,
    `name:${identity.name}`,
    `:${identity.id}`,
    `kill:${kill}`,
  ];
  if (restart) options.push(restart);
  options.push('log');
  const line = `service ${options.join(' ')} /bin/sh ${runner} ${runnerArg(identity)} ${hash} -- ${description}`;
  if (Buffer.byteLength(line) > 1000)
    diagnostics.push(
      error(at, `the stanza line would be ${Buffer.byteLength(line)} bytes; Finit reads at most 1024`),
    );
  if (Buffer.byteLength(runner) > caps.maxArg)
    diagnostics.push(
      error(
        at,
        `the runner path ${runner} is longer than the ${caps.maxArg} bytes Finit ${caps.version} takes in an argument`,
      ),
    );

  const shown = (name: string, label: string) => {
    const args = sections.get(name);
    return args ? commentLines(label, shellJoin(args)) : [];
  };
  const conf = [
    ...commentLines(`${OWNER_MARK} from `, def.sources.join(', ')),
    `# Do not edit: \`finit-pods sync\` rewrites this file. ${identity.name === 'pod' ? 'The pod runs:' : 'It runs:'}`,
    ...shown('create', '# first: '),
    ...shown('run', '#   '),
    ...shown('stop', '# and stops with: '),
    ...shown('reload', '# reload (SIGHUP): '),
    line,
    '',
  ].join('\n');
  return { identity, hash, conf, argv: `${argvLines.join('\n')}\n`, sections, diagnostics };
}

/** A container's pod: `podman run` supervised as pod:NAME, with its stop and clean-up commands. */
export function renderPod(
  m: ContainerModel,
  caps: FinitCaps,
  paths: StanzaPaths,
  dependsOn: readonly (string | ServiceIdentity)[],
): RenderedPod {
  const base = [paths.podman, ...m.globalArgs];
  const stopArgv = [...base, 'stop', '--ignore', '-t', String(m.stopTimeout), m.containerName];
  // Before each start: remove a container of this pod's name that finit-pods made (a stale one
  // after conmon was killed still "runs"). Not --replace: a container finit-pods does not own is
  // never removed at run time; if one holds the name, the pod fails and doctor says why.
  const prestartArgv = [
    ...base,
    'rm',
    '-f',
    '-t',
    '0',
    '--filter',
    `label=${LABEL_MANAGED}=true`,
    '--filter',
    `name=^${m.containerName.replace(/\./g, '\\.')}$`,
  ];
  let reloadArgv: string[] | undefined;
  if (m.reload && 'command' in m.reload) reloadArgv = [...base, 'exec', m.containerName, ...m.reload.command];
  else if (m.reload) reloadArgv = [...base, 'kill', '--signal', m.reload.signal, m.containerName];
  const identity = (hashValue: string) => [
    `--label`,
    `${LABEL_MANAGED}=true`,
    '--label',
    `${LABEL_POD}=${m.pod}`,
    '--label',
    `${LABEL_HASH}=${hashValue}`,
    '--rm',
  ];
  const run = (hash: string) => podmanArgv(m, paths.podman, identity(hash));
  const r = renderService(
    {
      identity: { name: 'pod', id: m.pod },
      sources: m.sources,
      description: `Podman container ${m.containerName}`,
      service: m.service,
      stopTimeout: m.stopTimeout,
      dependsOn: dependsOn.map((d) => (typeof d === 'string' ? { name: 'pod', id: d } : d)),
      settings: [
        ['POD', m.pod],
        ['CONTAINER', m.containerName],
        ['STOP_TIMEOUT', String(m.stopTimeout)],
        // the daemon reads the schedule from the runner's copy: the one the running pod started with
        ...(m.health ? [['HEALTH', healthSetting(m.health)] as [string, string]] : []),
        // Notify=true: the runner relays the container's READY=1 to READY_COND itself
        ...(m.notify === 'notify' ? [['NOTIFY', '1'] as [string, string]] : []),
      ],
      ...(m.notify ? { readyCondition: podReadyCondition(m.pod) } : {}),
      sections: (hash) => [
        ['run', run(hash)],
        ['prestart', prestartArgv],
        ['stop', stopArgv],
        ...(reloadArgv ? [['reload', reloadArgv] as [string, string[]]] : []),
      ],
      // as versions before .pod and .kube hashed a pod, so that an upgrade restarts none
      hashInput: (c) => ({
        unhashedRun: run(''),
        prestartArgv,
        stopArgv,
        reloadArgv,
        settings: c.settings,
        conditions: c.conditions,
        restart: c.restart,
        description: c.description,
        runlevels: c.runlevels,
        kill: c.kill,
      }),
    },
    caps,
    paths,
  );
  return {
    pod: m.pod,
    container: m.containerName,
    hash: r.hash,
    conf: r.conf,
    argv: r.argv,
    runArgv: [...r.sections.get('run')!],
    stopArgv,
    diagnostics: r.diagnostics,
  };
}

/** The stop timeout a stop command gives podman (`-t N`, `--time N`, `--time=N`), else podman's 10 s. */
function stopSeconds(argv: readonly string[] | undefined): number {
  if (!argv) return 10;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = a.startsWith('--time=') ? a.slice(7) : a === '-t' || a === '--time' ? argv[i + 1] : undefined;
    if (v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  return 10;
}

/**
 * A .pod or .kube unit as a Finit service (podman-pod:NAME, kube:NAME). A .pod creates its pod,
 * then stays attached to the infra container: members (Pod=NAME.pod) wait for this service, so
 * they start after it and stop when it stops. A .kube plays its YAML, then stays attached to the
 * service container podman makes for it (named from the YAML's SHA-256, `yamlSha`), which lives
 * as long as the YAML's pods; stopping runs `kube down`.
 */
export function renderServiceUnit(
  m: ServiceUnitModel,
  caps: FinitCaps,
  paths: StanzaPaths,
  dependsOn: readonly ServiceIdentity[],
  yamlSha?: string,
): RenderedService {
  const { argv } = m.commands;
  const sub = m.kind === 'pod' ? 'pod' : 'kube';
  const global = argv.slice(1, Math.max(1, argv.indexOf(sub)));
  const base = [paths.podman, ...global];
  const own = (a: readonly string[]) => [paths.podman, ...a.slice(1)]; // the unit's /usr/bin/podman is this podman
  let create = own(argv);
  let run: string[];
  let stop: string[];
  let poststop: string[] | undefined;
  if (m.kind === 'pod') {
    const i = argv.indexOf('--infra-name');
    const infra = i > 0 && argv[i + 1] ? argv[i + 1]! : `${m.resource}-infra`;
    run = [...base, 'start', '--attach', infra];
    stop = m.commands.stopArgv ? own(m.commands.stopArgv) : [...base, 'pod', 'stop', '--ignore', m.resource];
    if (m.commands.stopPostArgv) poststop = own(m.commands.stopPostArgv);
  } else {
    if (!create.some((a) => a.startsWith('--service-container'))) {
      const at = create.indexOf('play') + 1;
      create = [...create.slice(0, at), '--service-container=true', ...create.slice(at)];
    }
    // [Service] Type=oneshot: the play only creates what the YAML says (a job may end), so the
    // service only waits, as systemd's RemainAfterExit= unit stays active, until kube down
    run = m.oneshot
      ? ['sleep', '2147483647']
      : [...base, 'attach', '--no-stdin', '--sig-proxy=false', `${(yamlSha ?? '').slice(0, 12)}-service`];
    stop = m.commands.stopPostArgv ? own(m.commands.stopPostArgv) : [...base, 'kube', 'down'];
  }
  const identity: ServiceIdentity = { name: m.kind === 'pod' ? 'podman-pod' : 'kube', id: m.resource };
  return renderService(
    {
      identity,
      sources: m.sources,
      description: m.kind === 'pod' ? `Podman pod ${m.resource}` : `Podman kube ${m.name.stem}`,
      service: m.service,
      stopTimeout: stopSeconds(m.commands.stopArgv),
      dependsOn,
      settings: [
        [m.kind === 'pod' ? 'POD' : 'KUBE', m.resource],
        ...(m.oneshot ? [['ONESHOT', '1'] as [string, string]] : []),
      ],
      sections: () => [
        ['create', create],
        ['run', run],
        ['stop', stop],
        ...(poststop ? [['poststop', poststop] as [string, string[]]] : []),
      ],
      hashExtra: yamlSha,
    },
    caps,
    paths,
  );
}

/**
 * The runner every pod stanza starts (src/render/finit-pods-run.sh): reads pod-NAME.argv beside
 * it without eval, runs podman, and on SIGTERM runs the stop command (podman stop -t TIMEOUT), so
 * a container whose PID 1 ignores SIGTERM still stops within its timeout and leaves nothing behind.
 */
// The bundle has the text inlined (a define in tools/bundle.mjs); ES modules read the .sh beside them.
declare const FINIT_PODS_RUNNER_SCRIPT: string | undefined;
export const RUNNER_SCRIPT: string =
  typeof FINIT_PODS_RUNNER_SCRIPT === 'string'
    ? FINIT_PODS_RUNNER_SCRIPT
    : readFileSync(new URL('./finit-pods-run.sh', import.meta.url), 'utf8');

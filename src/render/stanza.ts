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
import { type Diagnostic, error, warning } from '../lib/diagnostics.js';
import { argvTooBig } from '../lib/limits.js';
import { shellJoin } from '../lib/shell.js';
import { type ContainerModel, podmanArgv } from '../model/container.js';
import type { FinitCaps } from './finit.js';
import { LABEL_HASH, LABEL_MANAGED, LABEL_POD, READY_CONDITION } from './labels.js';

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

/** The condition another pod waits on while this one runs. */
export function podCondition(pod: string, caps: FinitCaps): string {
  return caps.serviceConditions ? `service/pod:${pod}/running` : `usr/pod-${pod}`;
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

export function renderPod(
  m: ContainerModel,
  caps: FinitCaps,
  paths: StanzaPaths,
  dependsOn: string[],
): RenderedPod {
  const diagnostics: Diagnostic[] = [];
  const at = { file: m.sources[0] ?? m.name.filename, line: 0 };
  const pod = m.pod;
  if (pod.length > caps.maxId) {
    diagnostics.push(
      error(
        at,
        `pod name "${pod}" is ${pod.length} characters; Finit ${caps.version} keeps at most ${caps.maxId} of a service :ID`,
      ),
    );
  }
  // Finit's kill delay: the runner's `podman stop -t StopTimeout` must finish inside it, so it is
  // StopTimeout + 5 s, or [Service] TimeoutStopSec= when that is longer.
  const minimum = m.stopTimeout + 5;
  const wanted = m.service.timeoutStopSec;
  let kill = minimum;
  if (wanted !== undefined && Number.isFinite(wanted) && wanted > minimum) kill = Math.ceil(wanted);
  else if (wanted !== undefined) {
    diagnostics.push(
      warning(
        at,
        `TimeoutStopSec=${wanted} is shorter than StopTimeout=${m.stopTimeout} + 5 s; Finit waits ${minimum} s so podman can stop the container`,
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
        `StopTimeout=${m.stopTimeout} is too long for Finit ${caps.version}: its kill delay (stop timeout + 5 s) can be at most ${caps.maxKill} s`,
      ),
    );
  }
  if (m.service.environment.size > 0) {
    diagnostics.push(
      warning(
        at,
        '[Service] Environment= is not passed to podman under finit-pods; use [Container] Environment= for the container',
      ),
    );
  }

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

  const conditions = [`usr/${READY_CONDITION}`, ...dependsOn.map((d) => podCondition(d, caps))];
  const restart =
    m.service.restart === 'no'
      ? 'norestart'
      : m.service.restart === 'always'
        ? caps.restartAlways
          ? 'restart:always'
          : 'restart:100'
        : '';
  const description = truncateBytes(
    sanitiseDescription(m.service.description ?? `Podman container ${m.containerName}`),
    63,
  );

  // Everything that defines the pod goes into the hash, so any change restarts it.
  const identity = (hashValue: string) => [
    `--label`,
    `${LABEL_MANAGED}=true`,
    '--label',
    `${LABEL_POD}=${pod}`,
    '--label',
    `${LABEL_HASH}=${hashValue}`,
    '--rm',
  ];
  const unhashedRun = podmanArgv(m, paths.podman, identity(''));
  const settings: [string, string][] = [
    ['POD', pod],
    ['CONTAINER', m.containerName],
    ['STOP_TIMEOUT', String(m.stopTimeout)],
  ];
  if (m.service.restartSec !== undefined)
    settings.push(['RESTART_SEC', String(Math.ceil(m.service.restartSec))]);
  if (!caps.serviceConditions) settings.push(['INITCTL', paths.initctl], ['COND', `pod-${pod}`]);
  const hash = createHash('sha256')
    .update(
      JSON.stringify({
        unhashedRun,
        prestartArgv,
        stopArgv,
        reloadArgv,
        settings,
        conditions,
        restart,
        description,
        runlevels: m.service.runlevels,
        kill,
      }),
    )
    .digest('hex')
    .slice(0, 12);
  const runArgv = podmanArgv(m, paths.podman, identity(hash));
  const tooBig = argvTooBig(runArgv);
  if (tooBig) diagnostics.push(error(at, `the podman run command would have ${tooBig}`));

  const argvLines = [
    ...commentLines(`${OWNER_MARK} from `, `${m.sources[0]}; do not edit: finit-pods sync rewrites it.`),
    '# Read by finit-pods-run: KEY=VALUE settings, then sections whose arguments are one per line,',
    '# each after one space, with "\\\\" and "\\n" escaped.',
    ...settings.map(([k, v]) => `${k}=${v}`),
    ...argvSection('run', runArgv),
    ...argvSection('prestart', prestartArgv),
    ...argvSection('stop', stopArgv),
    ...(reloadArgv ? argvSection('reload', reloadArgv) : []),
  ];
  const runner = `${paths.stanzaDir}/${RUNNER_NAME}`;
  const options = [
    `[${m.service.runlevels}]`,
    `<${conditions.join(',')}>`,
    'name:pod',
    `:${pod}`,
    `kill:${Math.min(kill, caps.maxKill)}`,
  ];
  if (restart) options.push(restart);
  options.push('log');
  const line = `service ${options.join(' ')} /bin/sh ${runner} ${pod} ${hash} -- ${description}`;
  if (Buffer.byteLength(line) > 1000)
    diagnostics.push(
      error(at, `the stanza line would be ${Buffer.byteLength(line)} bytes; Finit reads at most 1024`),
    );
  if (Buffer.byteLength(runner) > 63)
    diagnostics.push(
      error(at, `the runner path ${runner} is longer than the 63 bytes Finit 4.2 keeps of an argument`),
    );

  const conf = [
    ...commentLines(`${OWNER_MARK} from `, m.sources.join(', ')),
    '# Do not edit: `finit-pods sync` rewrites this file. The pod runs:',
    ...commentLines('#   ', shellJoin(runArgv)),
    ...commentLines('# and stops with: ', shellJoin(stopArgv)),
    ...(reloadArgv ? commentLines('# reload (SIGHUP): ', shellJoin(reloadArgv)) : []),
    line,
    '',
  ].join('\n');
  return {
    pod,
    container: m.containerName,
    hash,
    conf,
    argv: `${argvLines.join('\n')}\n`,
    runArgv,
    stopArgv,
    diagnostics,
  };
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

// [Pod] → `podman pod create` (Quadlet's ExecStartPre), and the pod start, stop and rm commands
// around it, as Quadlet's ConvertPod makes them. The keys [Pod] shares with [Container] use
// container.ts's handlers; what .pod and .kube units share as services is here too.

import { existsSync } from 'node:fs';
import { type Diagnostic, error, type Origin, warning } from '../lib/diagnostics.js';
import type { LoadedUnit } from '../parse/load.js';
import type { ServiceUnitModel, UnitCommands } from './commands.js';
import {
  absoluteFrom,
  addVolumes,
  checkDependencies,
  handleNetworks,
  handlePodmanArgs,
  handlePublishPorts,
  type KeyContext,
  type TranslateOptions,
  USER_NAMESPACE_HANDLERS,
  unitResolver,
} from './container.js';
import type { UnitIndex } from './index.js';
import { type KeyRule, POD_KEYS, type PodSpecialKey } from './keys.js';
import { SAFE_NAME } from './names.js';
import { type Add, applyKeyRule, SectionReader } from './reader.js';
import { setup, unknownKeys } from './resource.js';
import { readService, type ServiceModel, warnUnknownSections } from './service.js';

/** What a translator of a unit Finit supervises (.pod, .kube) starts from. */
export interface ServiceUnitStart {
  /** The handlers' context: the reader of the unit's own section; `add` appends to `args`. */
  ctx: KeyContext;
  /** podman and the arguments before its subcommand (ContainersConfModule=, GlobalArgs=). */
  base: string[];
  args: string[];
  needs: Set<string>;
}

/** Reads a .pod or .kube unit's own section: its unknown keys and sections are reported. */
export function startServiceUnit(
  loaded: LoadedUnit,
  section: string,
  keys: ReadonlyMap<string, KeyRule>,
  opts: TranslateOptions,
): ServiceUnitStart {
  const { diagnostics, r, base } = setup(loaded, section);
  unknownKeys(loaded, section, keys, diagnostics);
  warnUnknownSections(loaded.unit, [section, 'Unit', 'Service', 'Install', 'Quadlet'], diagnostics);
  const needs = new Set<string>();
  const args: string[] = [];
  const add: Add = (arg, value) => {
    args.push(arg);
    if (value !== undefined) args.push(value);
  };
  const ctx: KeyContext = {
    r,
    add,
    diagnostics,
    resolveRef: unitResolver(loaded, r.specifiers, opts.index, needs, diagnostics),
    absolute: absoluteFrom(loaded.unit.path),
    exists: opts.exists ?? existsSync,
    readOnly: undefined,
  };
  return { ctx, base, args, needs };
}

/** A handler of a special key, `{ with: KEY }` for a key KEY's handler reads, or `{ model: why }`. */
export type Handling<K extends string, C> = ((c: C) => void) | { with: K } | { model: string };

/** Adds the arguments of every key of a table, in table order: rules by the table, the rest by handler. */
export function applyTable<K extends string, C extends KeyContext>(
  keys: ReadonlyMap<string, KeyRule>,
  handlers: { readonly [key in K]: Handling<K, C> },
  c: C,
): void {
  for (const [key, rule] of keys) {
    if (rule.kind !== 'special') applyKeyRule(c.r, key, rule, c.add);
    else {
      const handling = handlers[key as K];
      if (typeof handling === 'function') handling(c);
    }
  }
}

/**
 * [Unit]/[Service]/[Install] as containers read them, and [Service] WorkingDirectory=, which
 * systemd would run the unit's commands in. `own` are the [Service] keys the caller reads itself:
 * readService's "has no effect" warning about them would be wrong.
 */
export function readServiceSections(
  start: ServiceUnitStart,
  index: UnitIndex,
  own: readonly string[] = [],
): { service: ServiceModel; workingDirectory?: string } {
  const { r, diagnostics } = start.ctx;
  const reader = (section: string) => new SectionReader(r.unit, section, r.specifiers, diagnostics);
  const serviceR = reader('Service');
  const used = ['WorkingDirectory', ...own];
  const ownLines = new Set(
    r.unit
      .keys('Service')
      .filter((e) => used.includes(e.key))
      .map((e) => `${e.file}:${e.line}`),
  );
  const from = diagnostics.length;
  const service = readService(reader('Unit'), serviceR, reader('Install'));
  for (let i = diagnostics.length - 1; i >= from; i--) {
    const d = diagnostics[i]!;
    if (d.severity === 'warning' && ownLines.has(`${d.file}:${d.line}`) && / in \[Service\] /.test(d.message))
      diagnostics.splice(i, 1);
  }
  checkDependencies(r.unit, r.specifiers, index, start.needs, diagnostics);
  const wd = serviceR.nonEmpty('WorkingDirectory');
  if (!wd) return { service };
  // systemd's "-PATH": a missing directory is not an error; "~" is the user's home, which a
  // service run by Finit has not
  const dir = wd.value.startsWith('-') ? wd.value.slice(1) : wd.value;
  if (!dir.startsWith('/')) {
    diagnostics.push(error(wd.at, `WorkingDirectory=${wd.value} in [Service]: must be an absolute path`));
    return { service };
  }
  return { service, workingDirectory: dir };
}

/** The place to report what a section lacks: its header, else the file. */
export const sectionAt = (loaded: LoadedUnit, section: string): Origin =>
  loaded.unit.headers.get(section) ?? { file: loaded.unit.path, line: 0 };

interface PodContext extends KeyContext {
  /** The podman pod's name (PodName=, else the unit's name). */
  pod: string;
}

/** How each special [Pod] key is translated (see container.ts HANDLERS). */
const HANDLERS: { readonly [K in PodSpecialKey]: Handling<PodSpecialKey, PodContext> } = {
  ServiceName: { model: 'the service name' },
  GlobalArgs: { model: 'the arguments before pod' },
  ContainersConfModule: { model: 'the arguments before pod' },
  ExitPolicy: handleExitPolicy,
  ...USER_NAMESPACE_HANDLERS,
  PublishPort: handlePublishPorts,
  Network: handleNetworks,
  Volume: addVolumes,
  PodName: handlePodName,
  PodmanArgs: handlePodmanArgs,
  StopTimeout: { model: 'the pod stop command' },
};

/** The values `podman pod create --exit-policy` takes. */
const EXIT_POLICIES = ['continue', 'stop'];

function handleExitPolicy({ r, add, diagnostics }: PodContext): void {
  // Quadlet's default is stop: the pod stops with its last container, as a service should.
  const v = r.nonEmpty('ExitPolicy');
  if (v && !EXIT_POLICIES.includes(v.value))
    diagnostics.push(error(v.at, `ExitPolicy=${v.value}: must be continue or stop`));
  add('--exit-policy', v && EXIT_POLICIES.includes(v.value) ? v.value : 'stop');
}

function handlePodName({ add, pod }: PodContext): void {
  add('--infra-name', `${pod}-infra`);
  add('--name', pod);
}

export function translatePod(
  loaded: LoadedUnit,
  opts: TranslateOptions,
): { model?: ServiceUnitModel; diagnostics: Diagnostic[] } {
  const start = startServiceUnit(loaded, 'Pod', POD_KEYS, opts);
  const { ctx, base, args, needs } = start;
  const { r, diagnostics } = ctx;
  const podNameV = r.nonEmpty('PodName');
  const pod = podNameV?.value ?? loaded.name.stem;
  if (!SAFE_NAME.test(pod)) {
    // Quadlet passes any name through; podman itself refuses it when the pod is created.
    diagnostics.push(
      warning(
        podNameV?.at ?? sectionAt(loaded, 'Pod'),
        `"${pod}" is not a valid pod name, podman will refuse to create it: use letters, digits, "_", "." and "-", starting with a letter or digit`,
      ),
    );
  }
  // --replace: a pod of this name left behind (a power cut) is replaced, not an error.
  args.push('--replace');
  applyTable(POD_KEYS, HANDLERS, { ...ctx, pod });

  const stopV = r.nonEmpty('StopTimeout');
  let stopTimeout = '10';
  if (stopV && !/^\d+$/.test(stopV.value))
    diagnostics.push(error(stopV.at, `StopTimeout=${stopV.value}: must be a whole number of seconds`));
  else if (stopV) stopTimeout = stopV.value;

  const { service, workingDirectory } = readServiceSections(start, opts.index);
  const commands: UnitCommands = {
    argv: [...base, 'pod', 'create', ...args],
    startArgv: [...base, 'pod', 'start', pod],
    stopArgv: [...base, 'pod', 'stop', '--ignore', `--time=${stopTimeout}`, pod],
    stopPostArgv: [...base, 'pod', 'rm', '--ignore', '--force', pod],
  };
  if (workingDirectory !== undefined) commands.workingDirectory = workingDirectory;
  return {
    model: {
      kind: 'pod',
      name: loaded.name,
      resource: pod,
      commands,
      service,
      needs: [...needs],
      sources: loaded.sources,
    },
    diagnostics,
  };
}

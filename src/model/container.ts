// [Container] → the podman run command line, table-driven (see keys.ts), with Quadlet's
// semantics for the keys that need more than a flag. Pure: no process is run and nothing is
// written; the only file-system look-ups are the injected `exists` for AddDevice=-/dev/x.

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type Diagnostic, error, nearest, type Origin, warning } from '../lib/diagnostics.js';
import { type LoadedUnit, UNIT_FILE_NAME, type UnitName } from '../parse/load.js';
import { expandSpecifiers, type SpecifierContext } from '../parse/specifiers.js';
import type { UnitFile } from '../parse/unitfile.js';
import { type HealthSpec, type Readiness, readHealth } from './health.js';
import type { UnitIndex } from './index.js';
import { CONTAINER_KEYS, type ContainerSpecialKey, type KeyRule, QUADLET_KEYS } from './keys.js';
import { defaultContainerName, podName } from './names.js';
import { type Add, applyKeyRule, SectionReader, type Value } from './reader.js';
import { readService, type ServiceModel, warnUnknownSections } from './service.js';

export interface TranslateOptions {
  index: UnitIndex;
  /** Checks whether a host path exists (AddDevice=-/dev/foo is skipped when it does not). */
  exists?: (path: string) => boolean;
  /** The podman binary to put first in argv. */
  podman?: string;
}

export interface ContainerModel {
  kind: 'container';
  name: UnitName;
  /** The pod's name: Finit identity `pod:NAME`. */
  pod: string;
  containerName: string;
  image: string;
  /** Arguments before `run` (GlobalArgs=, ContainersConfModule=). */
  globalArgs: string[];
  /** Arguments after `run`, up to and excluding the image. */
  runArgs: string[];
  /** Exec= arguments after the image. */
  command: string[];
  /** Seconds podman waits after the stop signal before SIGKILL (StopTimeout=, default 10). */
  stopTimeout: number;
  service: ServiceModel;
  /** Other units this one needs: networks, volumes, containers (by unit file name). */
  needs: string[];
  reload?: { command: string[] } | { signal: string };
  /** The health check the daemon runs (HealthCmd= and its schedule), and what to do when it fails. */
  health?: HealthSpec;
  /** Notify=: what makes the pod ready for the pods that wait for it (default: running). */
  notify?: Readiness;
  sources: string[];
}

/** CONTAINER_KEYS as an array: walked once per unit, in table order. */
const KEY_LIST: readonly (readonly [string, KeyRule])[] = [...CONTAINER_KEYS];
const KEY_INDEX: ReadonlyMap<string, number> = new Map(KEY_LIST.map((e, i) => [e[0], i]));

const DEPENDENCY_KEYS = ['Requires', 'Requisite', 'BindsTo', 'PartOf', 'Wants', 'After', 'Before'];

/** The sections a .container unit may have. */
const CONTAINER_SECTIONS = ['Container', 'Unit', 'Service', 'Install', 'Quadlet'];

/** ExposeHostPort=: PORT or PORT-PORT, optionally /tcp or /udp. */
export const PORT_RANGE = /^\d+(-\d+)?(\/udp|\/tcp)?$/;
// podman's [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]; IPv6 addresses in brackets
const PUBLISH =
  /^(?:(?:\[[0-9a-fA-F:.%\w]*\]|[0-9.]*):)?(?:(?:\d+(?:-\d+)?)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/;
const PODMAN_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Quadlet resource names for template units referenced from an instance: `foo@.volume` → `foo-INSTANCE`. */
function templateResource(ref: string, from: UnitName): string {
  const stem = ref.replace(/\.[a-z]+$/, '');
  return `${stem.slice(0, -1)}-${from.instance}`;
}

/** What a unit's reference to another unit means: `db.network` → the name of what it creates. */
export type ResolveRef = (ref: string, at: Origin, what: string) => string | undefined;

/**
 * Resolves the Quadlet units a unit names (`db.network`, `data.volume`) against its directory's
 * index, noting each in `needs`; a missing one is an error at the line naming it.
 */
export function unitResolver(
  { unit, name }: LoadedUnit,
  spec: SpecifierContext,
  index: UnitIndex,
  needs: Set<string>,
  diagnostics: Diagnostic[],
): ResolveRef {
  return (ref, at, what) => {
    const info = index.get(ref);
    if (!info) {
      diagnostics.push(error(at, `${what} ${ref} was not found in ${dirname(unit.path)}`));
      return undefined;
    }
    needs.add(ref);
    if (info.name.isTemplate) {
      if (name.instance === '') {
        diagnostics.push(
          error(at, `${ref} is a template: only a template instance (NAME@INSTANCE) can use it`),
        );
        return undefined;
      }
      // An explicit NetworkName=/VolumeName= of the template is expanded for this instance (%i).
      if (info.templateName !== undefined) {
        try {
          return expandSpecifiers(info.templateName, spec);
        } catch (e) {
          diagnostics.push(error(at, `${ref}: its name ${info.templateName}: ${(e as Error).message}`));
          return undefined;
        }
      }
      return templateResource(ref, name);
    }
    if (!info.resource) diagnostics.push(error(at, `cannot tell the name of what ${ref} creates`));
    return info.resource;
  };
}

/**
 * A path as Quadlet resolves it: relative to the unit's directory, cleaned as Go's filepath.Join
 * does; absolute even when the units directory was given as a relative path.
 */
export const absoluteFrom =
  (unitPath: string) =>
  (p: string): string =>
    isAbsolute(p) ? p : resolve(dirname(unitPath), p);

/**
 * Each Quadlet unit named in [Unit] Requires=/BindsTo=/Wants=/After= must exist (Quadlet fails
 * to translate the dependency otherwise): noted in `needs`, or reported once at the line naming it.
 */
export function checkDependencies(
  unit: UnitFile,
  spec: SpecifierContext,
  index: UnitIndex,
  needs: Set<string>,
  diagnostics: Diagnostic[],
): void {
  const depsAt = new SectionReader(unit, 'Unit', spec, []); // (readService reported split problems)
  const reported = new Set<string>();
  const named: Value[] = [];
  for (const k of DEPENDENCY_KEYS) {
    if (depsAt.has(k)) for (const v of depsAt.strv(k)) named.push(v);
  }
  named.sort((a, b) => a.at.line - b.at.line); // first mention in the file (stable within a line)
  for (const v of named) {
    const dep = v.value;
    if (!UNIT_FILE_NAME.test(dep)) continue;
    if (index.has(dep)) needs.add(dep);
    else if (!reported.has(dep)) {
      reported.add(dep);
      diagnostics.push(
        error(v.at, `unable to translate dependency for ${dep}: no such unit in ${dirname(unit.path)}`),
      );
    }
  }
}

export function translateContainer(
  loaded: LoadedUnit,
  opts: TranslateOptions,
): { model?: ContainerModel; diagnostics: Diagnostic[] } {
  const { unit, name } = loaded;
  const diagnostics: Diagnostic[] = loaded.diagnostics.slice();
  const fileAt: Origin = { file: unit.path, line: 0 };
  const serviceName = unit.lookup('Container', 'ServiceName')?.value || name.stem;
  const spec: SpecifierContext = { filename: name.filename, path: unit.path, serviceName };
  const r = new SectionReader(unit, 'Container', spec, diagnostics);
  const reader = (section: string) => new SectionReader(unit, section, spec, diagnostics);
  const exists = opts.exists ?? existsSync;
  const needs = new Set<string>();

  // Unknown keys are errors, as in Quadlet, with the nearest known key as a hint.
  const containerKeys = unit.keys('Container');
  for (const e of containerKeys) {
    if (CONTAINER_KEYS.has(e.key)) continue;
    const near = nearest(e.key, CONTAINER_KEYS.keys());
    diagnostics.push(
      error(e, `unsupported key ${e.key}= in [Container]${near ? ` (did you mean ${near}=?)` : ''}`),
    );
  }
  for (const e of unit.keys('Quadlet')) {
    if (!QUADLET_KEYS.has(e.key)) diagnostics.push(error(e, `unsupported key ${e.key}= in [Quadlet]`));
  }
  if (!unit.sections.has('Container')) diagnostics.push(error(fileAt, 'no [Container] section'));
  warnUnknownSections(unit, CONTAINER_SECTIONS, diagnostics);
  const containerAt = unit.headers.get('Container') ?? fileAt;

  const resolveRef = unitResolver(loaded, spec, opts.index, needs, diagnostics);
  const absolute = absoluteFrom(unit.path);

  // Image or Rootfs: exactly one.
  const image = r.nonEmpty('Image');
  const rootfs = r.nonEmpty('Rootfs');
  if (!image && !rootfs && unit.sections.has('Container'))
    diagnostics.push(error(containerAt, 'no Image= or Rootfs= key in [Container]: a container needs one'));
  if (image && rootfs) diagnostics.push(error(rootfs.at, 'Image= and Rootfs= conflict: set only one'));
  // NAME.image/NAME.build: that unit's image, and the unit goes into needs (applied first)
  let imageRef = image?.value ?? '';
  if (image && /\.(image|build)$/.test(image.value))
    imageRef = resolveRef(image.value, image.at, `Image=: Quadlet unit`) ?? image.value;

  const containerName = r.nonEmpty('ContainerName')?.value ?? defaultContainerName(name);
  if (!PODMAN_NAME.test(containerName)) {
    // Quadlet passes any name through; podman itself refuses it when the pod starts.
    diagnostics.push(
      warning(
        r.str('ContainerName')?.at ?? fileAt,
        `"${containerName}" is not a valid container name, podman will refuse to start it: use letters, digits, "_", "." and "-", starting with a letter or digit`,
      ),
    );
  }

  const globalArgs: string[] = [];
  for (const m of r.all('ContainersConfModule')) globalArgs.push(`--module=${m.value}`);
  for (const a of r.args('GlobalArgs')) globalArgs.push(a.value);

  const run: string[] = ['--name', containerName];
  const add: Add = (arg, value) => {
    run.push(arg);
    if (value !== undefined) run.push(value);
  };

  // The table positions of the keys this unit sets, in table order: a key read with another
  // (Group= with User=, the mapping keys with UserNS=) stands for that one, which runs once.
  const ctx: KeyContext = { r, add, diagnostics, resolveRef, absolute, exists, readOnly: r.bool('ReadOnly') };
  const todo = new Set<number>();
  for (const e of containerKeys) {
    const handling = HANDLERS[e.key as ContainerSpecialKey];
    const key =
      handling !== undefined && typeof handling === 'object' && 'with' in handling ? handling.with : e.key;
    const at = KEY_INDEX.get(key);
    if (at !== undefined) todo.add(at);
  }
  for (const pos of [...todo].sort((a, b) => a - b)) {
    const [key, rule] = KEY_LIST[pos]!;
    if (rule.kind !== 'special') applyKeyRule(r, key, rule, add);
    else {
      const handling = HANDLERS[key as ContainerSpecialKey];
      if (typeof handling === 'function') handling(ctx);
    }
  }

  // A value that cannot be split is a warning and the image's own command runs, as in Quadlet.
  const command = r.lastArgs('Exec', false)?.words ?? [];

  // Reload: ReloadCmd= (exec in the container) or ReloadSignal= (podman kill --signal).
  let reload: ContainerModel['reload'];
  const reloadCmd = r.has('ReloadCmd') ? r.lastArgs('ReloadCmd', false) : undefined;
  const reloadSignal = r.nonEmpty('ReloadSignal');
  if (reloadCmd && reloadCmd.words.length > 0 && reloadSignal) {
    diagnostics.push(
      error(reloadSignal.at, 'ReloadCmd and ReloadSignal are mutually exclusive but both are set'),
    );
  } else if (reloadCmd && reloadCmd.words.length > 0) reload = { command: reloadCmd.words };
  else if (reloadSignal) reload = { signal: reloadSignal.value };

  const stopV = r.nonEmpty('StopTimeout');
  let stopTimeout = 10;
  if (stopV) {
    if (!/^\d+$/.test(stopV.value))
      diagnostics.push(error(stopV.at, `StopTimeout=${stopV.value}: must be a whole number of seconds`));
    else stopTimeout = Number(stopV.value);
  }

  const { health, notify } = readHealth(r, diagnostics);
  // Notify=true: podman passes the runner's NOTIFY_SOCKET into the container (where Quadlet puts it)
  if (notify === 'notify') run.splice(2, 0, '--sdnotify=container');
  const service = readService(reader('Unit'), reader('Service'), reader('Install'));
  checkDependencies(unit, spec, opts.index, needs, diagnostics);

  if (name.isTemplate) {
    diagnostics.push(
      warning(
        fileAt,
        `${name.filename} is a template: it runs as instances NAME@INSTANCE.container (a file or a symlink to it)`,
      ),
    );
  }

  const model: ContainerModel = {
    kind: 'container',
    name,
    pod: podName(unit.lookup('Container', 'ServiceName')?.value, name),
    containerName,
    image: image ? imageRef : '',
    globalArgs,
    runArgs: rootfs ? [...run, '--rootfs', rootfs.value] : run,
    command,
    stopTimeout,
    service,
    needs: [...needs],
    sources: loaded.sources,
  };
  if (reload) model.reload = reload;
  if (health) model.health = health;
  if (notify) model.notify = notify;
  return { model, diagnostics };
}

/**
 * What a key's handler works with: the reader of the unit's own section ([Container], or [Pod]
 * and [Kube] for the keys they share with it) and what the translator knows.
 */
export interface KeyContext {
  r: SectionReader;
  add: Add;
  diagnostics: Diagnostic[];
  /** A Quadlet unit this one names (`db.network`) → the name of what it creates, or undefined (said). */
  resolveRef: ResolveRef;
  /** A path as Quadlet resolves it: relative to the unit's directory. */
  absolute: (p: string) => string;
  exists: (path: string) => boolean;
  readOnly: ReturnType<SectionReader['bool']>;
}

export type KeyHandler = (c: KeyContext) => void;

/** The user-namespace keys, read together by UserNS='s handler ([Container] and [Pod]). */
export const USER_NAMESPACE_HANDLERS = {
  UserNS: handleUserMappings,
  UIDMap: { with: 'UserNS' },
  GIDMap: { with: 'UserNS' },
  SubUIDMap: { with: 'UserNS' },
  SubGIDMap: { with: 'UserNS' },
  RemapUsers: { with: 'UserNS' },
  RemapUid: { with: 'UserNS' },
  RemapGid: { with: 'UserNS' },
  RemapUidSize: { with: 'UserNS' },
} as const;

/**
 * How each special [Container] key is translated: its handler (named as Quadlet names them:
 * handlePublishPorts, addVolumes…), `{ with: KEY }` for a key that KEY's handler reads, or
 * `{ model: why }` for a key read where the model is built. The type makes every special key of
 * the table (keys.ts) name one.
 */
const HANDLERS: {
  readonly [K in ContainerSpecialKey]: KeyHandler | { with: ContainerSpecialKey } | { model: string };
} = {
  ContainerName: { model: 'the container name' },
  Image: { model: 'the image' },
  Rootfs: { model: 'the image' },
  GlobalArgs: { model: 'the arguments before run' },
  ContainersConfModule: { model: 'the arguments before run' },
  Entrypoint: handleEntrypoint,
  Network: handleNetworks,
  Notify: { model: 'readiness (health.ts)' },
  AddDevice: handleDevices,
  SeccompProfile: handleSeccompProfile,
  ReadOnly: handleReadOnly,
  VolatileTmp: handleVolatileTmp,
  User: handleUser,
  Group: { with: 'User' },
  ...USER_NAMESPACE_HANDLERS,
  Volume: addVolumes,
  AutoUpdate: handleAutoUpdate,
  ExposeHostPort: handleExposeHostPorts,
  PublishPort: handlePublishPorts,
  EnvironmentFile: handleEnvironmentFiles,
  Mount: addMounts,
  HealthOnFailure: { model: "the daemon's action on failure (health.ts)" },
  HealthStartupRetries: { model: "the daemon's action on failure (health.ts)" },
  Pod: handlePod,
  StartWithPod: { with: 'Pod' },
  PodmanArgs: handlePodmanArgs,
  Exec: { model: 'the command after the image' },
  ReloadCmd: { model: 'the reload command' },
  ReloadSignal: { model: 'the reload command' },
  ServiceName: { model: "the pod's name" },
};

export function handleNetworks({ r, add, diagnostics, resolveRef }: KeyContext): void {
  for (const v of r.all('Network')) {
    const colon = v.value.indexOf(':');
    const ref = colon < 0 ? v.value : v.value.slice(0, colon);
    const options = colon < 0 ? undefined : v.value.slice(colon + 1);
    if (!ref.endsWith('.network') && !ref.endsWith('.container')) {
      add('--network', v.value);
      continue;
    }
    const res = resolveRef(ref, v.at, 'Network=: Quadlet unit');
    if (res === undefined) continue;
    if (!ref.endsWith('.container')) {
      add('--network', options === undefined ? res : `${res}:${options}`);
      continue;
    }
    if (options !== undefined)
      diagnostics.push(
        error(v.at, "Network=: extra options are not supported when joining another container's network"),
      );
    add('--network', `container:${res}`);
  }
}

function handleDevices({ r, add, exists }: KeyContext): void {
  for (const v of r.strv('AddDevice')) {
    let dev = v.value;
    // "-PATH": only when the device exists
    if (dev.startsWith('-')) {
      dev = dev.slice(1);
      if (!exists(dev.split(':')[0]!)) continue;
    }
    add('--device', dev);
  }
}

function handleEntrypoint({ r, add }: KeyContext): void {
  // one token, and emitted even when empty: `Entrypoint=` clears the image's entrypoint
  const v = r.str('Entrypoint');
  if (v) add(`--entrypoint=${v.value}`);
}

function handleSeccompProfile({ r, add }: KeyContext): void {
  const v = r.str('SeccompProfile');
  if (v) add('--security-opt', `seccomp=${v.value}`);
}

function handleReadOnly({ add, readOnly }: KeyContext): void {
  if (readOnly) add(readOnly.value ? '--read-only' : '--read-only=false');
}

function handleVolatileTmp({ r, add, readOnly }: KeyContext): void {
  if (r.bool('VolatileTmp')?.value && !readOnly?.value) add('--tmpfs', '/tmp:rw,size=512M,mode=1777');
}

function handleUser({ r, add, diagnostics }: KeyContext): void {
  const user = r.nonEmpty('User');
  const group = r.nonEmpty('Group');
  if (!user && group) diagnostics.push(error(group.at, 'invalid Group set without User'));
  else if (user) add('--user', group ? `${user.value}:${group.value}` : user.value);
}

export function handleUserMappings({ r, add, diagnostics }: KeyContext): void {
  userMappings(r, add, diagnostics);
}

export function addVolumes({ r, add, resolveRef, absolute }: KeyContext): void {
  for (const v of r.all('Volume')) {
    // [SOURCE:]DEST[:OPTIONS]
    const text = v.value;
    const c1 = text.indexOf(':');
    const c2 = c1 < 0 ? -1 : text.indexOf(':', c1 + 1);
    const dst = c1 < 0 ? text : c2 < 0 ? text.slice(c1 + 1) : text.slice(c1 + 1, c2);
    const opt = c2 < 0 ? '' : text.slice(c2);
    let source = c1 < 0 ? '' : text.slice(0, c1);
    if (source.startsWith('.')) source = absolute(source);
    else if (source.endsWith('.volume') || source.endsWith('.artifact'))
      source = resolveRef(source, v.at, 'Volume=: Quadlet unit') ?? source;
    add('-v', source === '' ? dst : `${source}:${dst}${opt}`);
  }
}

function addMounts({ r, add, diagnostics, resolveRef, absolute }: KeyContext): void {
  for (const v of r.args('Mount')) {
    const m = resolveMount(
      v,
      absolute,
      (ref, at) => resolveRef(ref, at, 'Mount=: Quadlet unit'),
      diagnostics,
    );
    if (m !== undefined) add('--mount', m);
  }
}

// the label podman auto-update reads; finit-pods auto-update reads it too (model/autoupdate.ts)
function handleAutoUpdate({ r, add }: KeyContext): void {
  const v = r.nonEmpty('AutoUpdate');
  if (v) add('--label', `io.containers.autoupdate=${v.value}`);
}

export function handlePublishPorts({ r, add, diagnostics }: KeyContext): void {
  for (const v of r.all('PublishPort')) {
    const port = v.value.trim();
    if (port.includes('$')) {
      // Quadlet leaves ${VAR} to systemd; nothing expands it under Finit (values reach podman as written)
      diagnostics.push(
        warning(
          v.at,
          `PublishPort=${port}: variables are not expanded under finit-pods; podman gets "${port}" as written`,
        ),
      );
      add('--publish', port);
    } else if (!PUBLISH.test(port)) {
      diagnostics.push(
        error(
          v.at,
          `PublishPort=${port}: invalid port format ([[IP:][HOSTPORT]:]CONTAINERPORT[/tcp|/udp|/sctp])`,
        ),
      );
    } else add('--publish', port);
  }
}

function handleExposeHostPorts({ r, add, diagnostics }: KeyContext): void {
  for (const v of r.all('ExposeHostPort')) {
    const port = v.value.trim();
    if (!PORT_RANGE.test(port))
      diagnostics.push(
        error(v.at, `ExposeHostPort=${port}: invalid port format (PORT, PORT-PORT, optionally /tcp or /udp)`),
      );
    else add('--expose', port);
  }
}

function handleEnvironmentFiles({ r, add, diagnostics, absolute }: KeyContext): void {
  for (const v of r.args('EnvironmentFile')) {
    // Quadlet has no systemd "-PATH" (may be missing): "-PATH" is a relative path like any other.
    const path = absolute(v.value);
    if (v.value.startsWith('-'))
      diagnostics.push(
        warning(
          v.at,
          `EnvironmentFile=${v.value}: "-" does not mean "may be missing" in Quadlet; the file is ${path}`,
        ),
      );
    add('--env-file', path);
  }
}

function handlePod({ r, add, diagnostics, resolveRef }: KeyContext): void {
  const v = r.nonEmpty('Pod');
  if (!v) return;
  if (!v.value.endsWith('.pod')) {
    diagnostics.push(
      error(v.at, `Pod=${v.value}: pod ${v.value} is not Quadlet based (name a NAME.pod unit)`),
    );
    return;
  }
  const res = resolveRef(v.value, v.at, 'Pod=: Quadlet pod unit');
  if (res !== undefined) add('--pod', res);
}

export function handlePodmanArgs({ r, add }: KeyContext): void {
  for (const a of r.args('PodmanArgs')) add(a.value);
}

/** The full podman command line of a container model. */
export function podmanArgv(
  m: ContainerModel,
  podman = '/usr/bin/podman',
  extraRunArgs: readonly string[] = [],
): string[] {
  const argv = [
    podman,
    ...m.globalArgs,
    'run',
    ...m.runArgs.slice(0, 2),
    ...extraRunArgs,
    ...m.runArgs.slice(2),
  ];
  if (m.image) argv.push(m.image);
  argv.push(...m.command);
  return argv;
}

/**
 * The user namespace keys (UserNS=, UIDMap=, …, the deprecated Remap*=) as Quadlet's
 * handleUserMappings reads them; [Kube] has no RemapUsers=manual (`podman kube play` has no --uidmap).
 */
export function userMappings(r: SectionReader, add: Add, ds: Diagnostic[], supportManual = true): void {
  let defined = false;
  const userns = r.nonEmpty('UserNS');
  if (userns) {
    add('--userns', userns.value);
    defined = true;
  }
  for (const v of r.strv('UIDMap')) {
    add('--uidmap', v.value);
    defined = true;
  }
  for (const v of r.strv('GIDMap')) {
    add('--gidmap', v.value);
    defined = true;
  }
  const subuid = r.nonEmpty('SubUIDMap');
  if (subuid) {
    add('--subuidname', subuid.value);
    defined = true;
  }
  const subgid = r.nonEmpty('SubGIDMap');
  if (subgid) {
    add('--subgidname', subgid.value);
    defined = true;
  }
  const remapUid = r.strv('RemapUid');
  const remapGid = r.strv('RemapGid');
  const remapUsers = r.str('RemapUsers');
  if (defined) {
    const first = r.str('RemapUid') ?? r.str('RemapGid') ?? remapUsers;
    if (first) ds.push(error(first.at, 'deprecated Remap keys are set along with explicit mapping keys'));
    return;
  }
  const at = remapUsers?.at;
  switch (remapUsers?.value ?? '') {
    case '':
      if (remapUid.length > 0) ds.push(error(remapUid[0]!.at, 'RemapUid= is set without RemapUsers='));
      if (remapGid.length > 0) ds.push(error(remapGid[0]!.at, 'RemapGid= is set without RemapUsers='));
      break;
    case 'manual':
      if (!supportManual) {
        ds.push(error(at!, `RemapUsers=manual is not supported in [${r.section}]`));
        break;
      }
      for (const v of remapUid) add('--uidmap', v.value);
      for (const v of remapGid) add('--gidmap', v.value);
      break;
    case 'auto': {
      const o = [
        ...remapUid.map((v) => `uidmapping=${v.value}`),
        ...remapGid.map((v) => `gidmapping=${v.value}`),
      ];
      const size = r.nonEmpty('RemapUidSize');
      if (size && Number(size.value) > 0) o.push(`size=${Number(size.value)}`);
      add('--userns', o.length ? `auto:${o.join(',')}` : 'auto');
      break;
    }
    case 'keep-id': {
      if (remapUid.length > 1 || remapGid.length > 1) {
        ds.push(error(at!, 'RemapUsers=keep-id supports only a single value for UID and GID mapping'));
        break;
      }
      const o = [...remapUid.map((v) => `uid=${v.value}`), ...remapGid.map((v) => `gid=${v.value}`)];
      add('--userns', o.length ? `keep-id:${o.join(',')}` : 'keep-id');
      break;
    }
    default:
      ds.push(error(at!, `unsupported RemapUsers option '${remapUsers!.value}' (auto, keep-id or manual)`));
  }
}

/** Splits one CSV record like Go's encoding/csv (fields may be double-quoted). */
export function parseCsvRecord(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return undefined;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',') return undefined;
    } else {
      const end = text.indexOf(',', i);
      field = end < 0 ? text.slice(i) : text.slice(i, end);
      i = end < 0 ? text.length : end;
    }
    out.push(field);
    if (i >= text.length) return out;
    i++; // the comma
  }
}

const csvField = (f: string): string =>
  f === '' || /[",\r\n]/.test(f) || f.startsWith(' ') ? `"${f.replace(/"/g, '""')}"` : f;

function resolveMount(
  v: Value,
  absolute: (p: string) => string,
  resolveRef: (ref: string, at: Origin) => string | undefined,
  ds: Diagnostic[],
): string | undefined {
  const fields = parseCsvRecord(v.value);
  if (!fields) {
    ds.push(error(v.at, `Mount=${v.value}: invalid syntax`));
    return undefined;
  }
  let type = 'volume';
  let found = false;
  const tokens: string[] = [];
  for (const f of fields) {
    const kv = f.split('=');
    if (!found && kv.length === 2 && kv[0] === 'type') {
      type = kv[1]!;
      found = true;
    } else tokens.push(f);
  }
  // A bare path or SRC:DST is a Volume=-style value, not a mount option (those are words: ro, z…)
  const stray = tokens.find((t) => !t.includes('=') && /[/:]/.test(t));
  if (stray !== undefined) {
    ds.push(
      error(
        v.at,
        `Mount=${v.value}: invalid quadlet mount format: "${stray}" is not KEY=VALUE (use type=bind,source=…,destination=…, or Volume=SRC:DST)`,
      ),
    );
    return undefined;
  }
  if (!['volume', 'bind', 'glob', 'image', 'artifact'].includes(type)) return v.value;
  const si = tokens.findIndex((t) => /^(source|src)(=|$)/.test(t));
  if (si < 0) {
    if (type === 'volume') return [`type=${type}`, ...tokens].map(csvField).join(',');
    ds.push(error(v.at, `Mount=: source parameter is required for mount type ${type}`));
    return undefined;
  }
  const tok = tokens[si]!;
  const eq = tok.indexOf('=');
  let source = eq < 0 ? '' : tok.slice(eq + 1);
  if (eq < 0 || source === '') {
    ds.push(error(v.at, `Mount=: source parameter does not include a value`));
    return undefined;
  }
  if (source.startsWith('.')) source = absolute(source);
  else if (/\.(volume|image|artifact)$/.test(source) && type !== 'bind' && type !== 'glob') {
    source = resolveRef(source, v.at) ?? source;
  }
  tokens[si] = `source=${source}`;
  return [`type=${type}`, ...tokens].map(csvField).join(',');
}

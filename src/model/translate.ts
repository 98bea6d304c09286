// A whole units directory → one result per unit: the model when it is usable, and its
// diagnostics either way. One bad file never stops the others.

import { basename, dirname } from 'node:path';
import { type Diagnostic, error, hasErrors, warning } from '../lib/diagnostics.js';
import { argvTooBig } from '../lib/limits.js';
import {
  LoadCache,
  type LoadedUnit,
  loadUnit,
  parseUnitName,
  scanDir,
  UNIT_KINDS,
  type UnitKind,
  type UnitName,
} from '../parse/load.js';
import { translateArtifact } from './artifact.js';
import { translateBuild } from './build.js';
import type { OneShotModel, ServiceUnitModel } from './commands.js';
import { type ContainerModel, type TranslateOptions, translateContainer } from './container.js';
import { translateImage } from './image.js';
import { buildIndex, type UnitInfo } from './index.js';
import { translateKube } from './kube.js';
import { podNameProblem } from './names.js';
import { translatePod } from './pod.js';
import { type HostDeviceModel, type ResourceModel, translateNetwork, translateVolume } from './resource.js';

export type Model = ContainerModel | ResourceModel | HostDeviceModel | ServiceUnitModel | OneShotModel;

type Translator = (
  loaded: LoadedUnit,
  opts: TranslateOptions,
) => { model?: Model; diagnostics: Diagnostic[] };

/** Each unit kind's translator. */
const TRANSLATORS: Record<UnitKind, Translator> = {
  container: translateContainer,
  network: translateNetwork,
  volume: translateVolume,
  pod: translatePod,
  kube: translateKube,
  image: translateImage,
  build: translateBuild,
  artifact: translateArtifact,
};

export interface UnitResult {
  name: UnitName;
  path: string;
  model?: Model;
  diagnostics: Diagnostic[];
  /** True when the unit can be applied (a model and no errors). */
  ok: boolean;
}

export interface DirOptions extends Omit<TranslateOptions, 'index'> {
  /** Longest pod name Finit accepts as `:ID` (15 before Finit 4.15, 64 from 4.15). */
  maxPodName?: number;
}

/**
 * One unit → its result. Never throws: a fault in a translator is this unit's error ("internal
 * error", which the fuzz suite counts as a crash), never the directory's. What is said about a
 * file outside the units directory names its line, never its content.
 */
function translateOne(loaded: LoadedUnit, opts: DirOptions & TranslateOptions): UnitResult {
  let r: UnitResult;
  try {
    r = translateUnit(loaded, opts);
  } catch (e) {
    const path = loaded.unit.path;
    r = {
      name: loaded.name,
      path,
      diagnostics: [
        ...loaded.diagnostics,
        error({ file: path, line: 0 }, `internal error: ${(e as Error).message}; this unit is skipped`),
      ],
      ok: false,
    };
  }
  if (loaded.outside) r.diagnostics = r.diagnostics.map((d) => withoutContent(d, loaded.outside!));
  return r;
}

function withoutContent(d: Diagnostic, outside: ReadonlySet<string>): Diagnostic {
  if (!outside.has(d.file) || /^cannot read/.test(d.message)) return d;
  return {
    ...d,
    message: `${d.line > 0 ? 'this line' : 'this file'} is not usable; not shown, as the file lies outside the units directory (check it where it is: finit-pods check FILE)`,
  };
}

function allValues(loaded: LoadedUnit): string[] {
  const values: string[] = [];
  for (const entries of loaded.unit.sections.values()) for (const e of entries) values.push(e.value);
  return values;
}

function translateUnit(loaded: LoadedUnit, opts: DirOptions & TranslateOptions): UnitResult {
  const { name } = loaded;
  const path = loaded.unit.path;
  let r: { model?: Model; diagnostics: Diagnostic[] };
  // A unit file that cannot be read gets that one error, not a cascade about its missing content.
  const unreadable = loaded.diagnostics.find((d) => d.file === path && d.message.startsWith('cannot read:'));
  if (unreadable) return { name, path, diagnostics: [unreadable], ok: false };
  // with its drop-ins a unit may hold more than one command line can carry: said here, at check
  const tooBig = argvTooBig(allValues(loaded));
  if (tooBig) {
    const at = { file: path, line: 0 };
    const diagnostics = [
      ...loaded.diagnostics,
      error(at, `the unit's values add up to ${tooBig} (one command)`),
    ];
    return { name, path, diagnostics, ok: false };
  }
  r = TRANSLATORS[name.kind](loaded, opts);

  if (r.model?.kind === 'container' && !name.isTemplate) {
    // about the file's name, or about ServiceName= when that is what names the pod
    const at = loaded.unit.lookup('Container', 'ServiceName') ?? { file: path, line: 0 };
    const problem = podNameProblem(r.model.pod, opts.maxPodName);
    if (problem?.severity === 'error')
      r.diagnostics.push(error(at, `${problem.message}; rename the file or set ServiceName=`));
    else if (problem) r.diagnostics.push(warning(at, problem.message));
  }
  const ok = r.model !== undefined && !hasErrors(r.diagnostics);
  const result: UnitResult = { name, path, diagnostics: r.diagnostics, ok };
  if (r.model) result.model = r.model;
  return result;
}

export function loadDir(dir: string): LoadedUnit[] {
  const { names, subdirs } = scanDir(dir);
  return loadUnits(dir, names, subdirs);
}

/** Reads some units of a directory, sharing one LoadCache (drop-ins read once). */
function loadUnits(dir: string, names: readonly UnitName[], subdirs?: ReadonlySet<string>): LoadedUnit[] {
  const cache = new LoadCache(subdirs);
  return names.map((n) => loadUnit(dir, n, undefined, cache));
}

/** Translates every unit in a directory. Throws only when the directory cannot be listed. */
export function translateDir(
  dir: string,
  opts: DirOptions = {},
): { results: UnitResult[]; index: ReadonlyMap<string, UnitInfo> } {
  const loaded = loadDir(dir);
  const index = buildIndex(loaded);
  const withIndex = { ...opts, index };
  return { results: loaded.map((l) => translateOne(l, withIndex)), index };
}

/** Translates one file, resolving the units it names against the other files of its directory. */
export function translateFile(path: string, opts: DirOptions = {}): UnitResult {
  const dir = dirname(path);
  const name = parseUnitName(basename(path));
  if (!name) {
    return {
      name: {
        filename: basename(path),
        kind: 'container',
        stem: basename(path),
        prefix: '',
        instance: '',
        isTemplate: false,
      },
      path,
      diagnostics: [
        error({ file: path, line: 0 }, `not a unit file: the name must end in .${UNIT_KINDS.join(', .')}`),
      ],
      ok: false,
    };
  }
  // the file first, then the rest of its directory, whose units it may name
  let names = [name];
  let subdirs: ReadonlySet<string> | undefined;
  try {
    const scan = scanDir(dir);
    names = [name, ...scan.names.filter((n) => n.filename !== name.filename)];
    subdirs = scan.subdirs;
  } catch {
    // the file alone still translates; references to other units will be reported missing
  }
  const loaded = loadUnits(dir, names, subdirs);
  return translateOne(loaded[0]!, { ...opts, index: buildIndex(loaded) });
}

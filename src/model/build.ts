// [Build] units → `podman build`, as Quadlet's ConvertBuild writes it: the table's flags in table
// order (keys.ts BUILD_KEYS, one named handler per special key), then the build context last.
// SetWorkingDirectory= decides both the context and the directory podman runs in; `inputs` are
// the local context directory and files podman reads, which apply hashes to decide on a rebuild.

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type Diagnostic, error, type Origin, warning } from '../lib/diagnostics.js';
import type { LoadedUnit } from '../parse/load.js';
import type { OneShotModel } from './commands.js';
import {
  absoluteFrom,
  addVolumes,
  handleNetworks,
  handlePodmanArgs,
  type KeyContext,
  type KeyHandler,
  type TranslateOptions,
  unitResolver,
} from './container.js';
import { BUILD_KEYS, type BuildSpecialKey } from './keys.js';
import { type Add, applyKeyRule, SectionReader, type Value } from './reader.js';
import { setup, unknownKeys, warnSystemdSections } from './resource.js';

/** Quadlet's isURL: what podman fetches rather than reads from the host (its regexp as written). */
const URL = /^((https?)|(git):\/\/)|(github\.com\/).+$/;

/** [Service] keys a .build unit uses rather than warns about. */
const SERVICE_USED: ReadonlySet<string> = new Set(['WorkingDirectory']);

export function translateBuild(
  loaded: LoadedUnit,
  opts: TranslateOptions,
): { model?: OneShotModel; diagnostics: Diagnostic[] } {
  const { unit } = loaded;
  const { diagnostics, r, base } = setup(loaded, 'Build');
  unknownKeys(loaded, 'Build', BUILD_KEYS, diagnostics);
  warnSystemdSections(loaded, 'Build', diagnostics, SERVICE_USED);
  const buildAt: Origin = unit.headers.get('Build') ?? { file: unit.path, line: 0 };

  // What NAME.build stands for is its first tag, so a build without one cannot be used.
  const tag = r.all('ImageTag')[0];
  if (!tag) diagnostics.push(error(buildAt, 'no ImageTag key specified: a build needs a name for its image'));

  const needs = new Set<string>();
  const argv = [...base, 'build'];
  const add: Add = (arg, value) => {
    argv.push(arg);
    if (value !== undefined) argv.push(value);
  };
  const ctx: KeyContext = {
    r,
    add,
    diagnostics,
    resolveRef: unitResolver(loaded, r.specifiers, opts.index, needs, diagnostics),
    absolute: absoluteFrom(unit.path),
    exists: opts.exists ?? existsSync,
    readOnly: undefined,
  };
  for (const [key, rule] of BUILD_KEYS) {
    if (rule.kind !== 'special') applyKeyRule(r, key, rule, add);
    else {
      const handling = HANDLERS[key as BuildSpecialKey];
      if (typeof handling === 'function') handling(ctx);
    }
  }

  const { context, workingDirectory } = buildContext(loaded, r, diagnostics);
  const file = r.nonEmpty('File');
  const local = (p: string | undefined): p is string => p !== undefined && !URL.test(p);
  // The last argument: the context, else the working directory when File= is relative (or unset).
  let contextDir: string | undefined;
  if (!workingDirectory && !file && !context) {
    diagnostics.push(error(buildAt, 'neither SetWorkingDirectory, nor File key specified'));
  } else if (context) {
    add(context);
    if (local(context)) contextDir = resolve(workingDirectory ?? dirname(resolve(unit.path)), context);
  } else if (!file || (!isAbsolute(file.value) && !URL.test(file.value))) {
    if (workingDirectory) {
      add(workingDirectory);
      contextDir = workingDirectory;
    } else
      diagnostics.push(
        error(file?.at ?? buildAt, 'relative path in File key requires SetWorkingDirectory key to be set'),
      );
  } else if (local(file.value)) contextDir = dirname(file.value);

  // podman reads a relative File=/IgnoreFile= from the directory it runs in, else the context.
  const from = workingDirectory ?? contextDir;
  const inputs = [contextDir, ...[file, r.nonEmpty('IgnoreFile')].map((v) => v?.value)]
    .filter(local)
    .map((p) => (from ? resolve(from, p) : p))
    .filter((p, i, all) => isAbsolute(p) && all.indexOf(p) === i);

  const model: OneShotModel = {
    kind: 'build',
    name: loaded.name,
    resource: tag?.value ?? '',
    commands: workingDirectory ? { argv, workingDirectory } : { argv },
    inputs,
    needs: [...needs],
    sources: loaded.sources,
  };
  return { model, diagnostics };
}

/**
 * SetWorkingDirectory= as Quadlet's handleSetWorkingDirectory reads it for a build: `unit` (the
 * unit's directory), `file` (File='s directory), or a context path or URL given to podman as
 * written; a relative path also runs podman in the unit's directory. [Service] WorkingDirectory=
 * wins over all but a URL, and then the context is dropped, as Quadlet does.
 */
function buildContext(
  { unit }: LoadedUnit,
  r: SectionReader,
  diagnostics: Diagnostic[],
): { context?: string; workingDirectory?: string } {
  const service = new SectionReader(unit, 'Service', r.specifiers, diagnostics).nonEmpty('WorkingDirectory');
  let own: string | undefined;
  if (service && !isAbsolute(service.value))
    diagnostics.push(error(service.at, `WorkingDirectory=${service.value} must be an absolute path`));
  else own = service?.value;
  const out = (context?: string, wd = own) => ({
    ...(context ? { context } : {}),
    ...(wd ? { workingDirectory: wd } : {}),
  });

  const swd = r.nonEmpty('SetWorkingDirectory');
  if (!swd) return out();
  let context: string | undefined;
  // the file whose directory podman runs in
  let relativeTo: Value | undefined;
  switch (swd.value.toLowerCase()) {
    case 'yaml':
      diagnostics.push(error(swd.at, `SetWorkingDirectory=${swd.value} is only supported in .kube files`));
      return out();
    case 'file':
      relativeTo = r.str('File');
      if (!relativeTo) {
        diagnostics.push(error(swd.at, 'SetWorkingDirectory=file: no File key specified'));
        return out();
      }
      break;
    case 'unit':
      relativeTo = { value: resolve(unit.path), at: swd.at };
      break;
    default:
      context = swd.value;
      if (!isAbsolute(context)) relativeTo = { value: resolve(unit.path), at: swd.at };
  }
  if (!relativeTo?.value || URL.test(context ?? '')) return out(context);
  if (own) {
    diagnostics.push(
      warning(
        swd.at,
        `SetWorkingDirectory=${swd.value} is ignored: [Service] WorkingDirectory= is set, as in Quadlet`,
      ),
    );
    return out();
  }
  return out(context, dirname(resolve(dirname(unit.path), relativeTo.value)));
}

function handlePull({ r, add }: KeyContext): void {
  // one word: podman build reads `--pull VALUE` as --pull followed by the context
  const v = r.nonEmpty('Pull');
  if (v) add(`--pull=${v.value}`);
}

function handleFile({ r, add }: KeyContext): void {
  const v = r.nonEmpty('File');
  if (v) add('--file', v.value);
}

/**
 * How each special [Build] key is translated: its handler, or `{ model: why }` for a key read
 * where the model is built. The type makes every special key of the table name one.
 */
const HANDLERS: { readonly [K in BuildSpecialKey]: KeyHandler | { model: string } } = {
  GlobalArgs: { model: 'the arguments before build' },
  ContainersConfModule: { model: 'the arguments before build' },
  Pull: handlePull,
  Network: handleNetworks,
  Volume: addVolumes,
  File: handleFile,
  SetWorkingDirectory: { model: 'the build context and working directory' },
  PodmanArgs: handlePodmanArgs,
  ServiceName: { model: 'no effect on the build' },
};

// A unit from text, as src/parse/load.ts would load it from DIR/FILENAME (no drop-ins), without a
// file on disk: tests of the translators give it text and read the model (`translated`).

import type { Test } from 'tap';
import type { Diagnostic } from '../../src/lib/diagnostics.js';
import type { UnitCommands } from '../../src/model/commands.js';
import type { TranslateOptions } from '../../src/model/container.js';
import { buildIndex } from '../../src/model/index.js';
import { type LoadedUnit, parseUnitName } from '../../src/parse/load.js';
import { parseUnitText } from '../../src/parse/unitfile.js';

export function loadUnit(filename: string, text: string, dir = '/units'): LoadedUnit {
  const name = parseUnitName(filename);
  if (!name) throw new Error(`bad unit name ${filename}`);
  const path = `${dir}/${filename}`;
  const { unit, diagnostics } = parseUnitText(text, path, filename);
  return { name, unit, sources: [path], diagnostics };
}

type Translator<M> = (loaded: LoadedUnit, opts: TranslateOptions) => { model?: M; diagnostics: Diagnostic[] };

/**
 * A unit translated as its directory would (the `beside` units in its index, no host path
 * present): its model, its main command, its errors and its warnings.
 */
export function translated<M extends { commands: UnitCommands }>(
  translate: Translator<M>,
  self: LoadedUnit,
  beside: readonly LoadedUnit[] = [],
) {
  const r = translate(self, { index: buildIndex([self, ...beside]), exists: () => false });
  const of = (s: Diagnostic['severity']) => r.diagnostics.filter((d) => d.severity === s);
  return { model: r.model, argv: r.model?.commands.argv, errors: of('error'), warnings: of('warning') };
}

/** Units from `{ FILE: TEXT }`, as `translated` takes them beside the unit under test. */
export const unitsFrom = (texts: Record<string, string>): LoadedUnit[] =>
  Object.entries(texts).map(([f, text]) => loadUnit(f, text));

/** The errors and warnings a translation must have: as many as the patterns, each matching its own. */
export function expectDiagnostics(
  t: Pick<Test, 'equal' | 'match'>,
  r: { errors: Diagnostic[]; warnings: Diagnostic[] },
  want: { errors?: RegExp[]; warnings?: RegExp[] },
  label: string,
): void {
  t.equal(r.errors.length, want.errors?.length ?? 0, `${label}: errors: ${r.errors.map((d) => d.message)}`);
  for (const [i, re] of (want.errors ?? []).entries()) t.match(r.errors[i]?.message, re, `${label}: error`);
  t.equal(
    r.warnings.length,
    want.warnings?.length ?? 0,
    `${label}: warnings: ${r.warnings.map((d) => d.message)}`,
  );
  for (const [i, re] of (want.warnings ?? []).entries())
    t.match(r.warnings[i]?.message, re, `${label}: warning`);
}

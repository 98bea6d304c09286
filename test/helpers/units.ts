// A unit from text, as src/parse/load.ts would load it from DIR/FILENAME (no drop-ins), without a
// file on disk: tests of the translators give it text and read the model.

import { type LoadedUnit, parseUnitName } from '../../src/parse/load.js';
import { parseUnitText } from '../../src/parse/unitfile.js';

export function loadUnit(filename: string, text: string, dir = '/units'): LoadedUnit {
  const name = parseUnitName(filename);
  if (!name) throw new Error(`bad unit name ${filename}`);
  const path = `${dir}/${filename}`;
  const { unit, diagnostics } = parseUnitText(text, path, filename);
  return { name, unit, sources: [path], diagnostics };
}

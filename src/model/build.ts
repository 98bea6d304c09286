// [Build] units. (Being written: issue 16.)

import { type Diagnostic, error } from '../lib/diagnostics.js';
import type { LoadedUnit } from '../parse/load.js';
import type { OneShotModel } from './commands.js';
import type { TranslateOptions } from './container.js';

export function translateBuild(
  loaded: LoadedUnit,
  _opts: TranslateOptions,
): { model?: OneShotModel; diagnostics: Diagnostic[] } {
  return {
    diagnostics: [
      ...loaded.diagnostics,
      error({ file: loaded.unit.path, line: 0 }, '.build units are not supported yet; this file is skipped'),
    ],
  };
}

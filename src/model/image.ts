// [Image] units → `podman image pull`, as Quadlet's ConvertImage writes it: the table's flags
// (keys.ts IMAGE_KEYS), PodmanArgs=, then the image. What a container or volume naming
// NAME.image uses is ImageTag= when set, else Image= (index.ts reads the same keys).

import { type Diagnostic, error } from '../lib/diagnostics.js';
import type { LoadedUnit } from '../parse/load.js';
import type { OneShotModel } from './commands.js';
import type { TranslateOptions } from './container.js';
import { IMAGE_KEYS } from './keys.js';
import { type Add, applyKeyRule } from './reader.js';
import { setup, unknownKeys, warnSystemdSections } from './resource.js';

export function translateImage(
  loaded: LoadedUnit,
  _opts: TranslateOptions,
): { model?: OneShotModel; diagnostics: Diagnostic[] } {
  const { diagnostics, r, base } = setup(loaded, 'Image');
  unknownKeys(loaded, 'Image', IMAGE_KEYS, diagnostics);
  warnSystemdSections(loaded, 'Image', diagnostics);
  const image = r.nonEmpty('Image');
  if (!image)
    diagnostics.push(
      error(
        loaded.unit.headers.get('Image') ?? { file: loaded.unit.path, line: 0 },
        'no Image key specified: name the image to pull, e.g. Image=quay.io/org/app:1',
      ),
    );
  const argv = [...base, 'image', 'pull'];
  const add: Add = (arg, value) => {
    argv.push(arg);
    if (value !== undefined) argv.push(value);
  };
  for (const [key, rule] of IMAGE_KEYS) applyKeyRule(r, key, rule, add);
  for (const a of r.args('PodmanArgs')) add(a.value);
  if (image) add(image.value);
  const model: OneShotModel = {
    kind: 'image',
    name: loaded.name,
    resource: r.nonEmpty('ImageTag')?.value ?? image?.value ?? '',
    commands: { argv },
    needs: [],
    sources: loaded.sources,
  };
  return { model, diagnostics };
}

// [Artifact] → `podman artifact pull … ARTIFACT`, as Quadlet's ConvertArtifact makes it: carried
// out once, before the containers that mount the artifact (Volume=/Mount= NAME.artifact).

import { type Diagnostic, error } from '../lib/diagnostics.js';
import type { LoadedUnit } from '../parse/load.js';
import type { OneShotModel } from './commands.js';
import type { TranslateOptions } from './container.js';
import { ARTIFACT_KEYS } from './keys.js';
import { sectionAt } from './pod.js';
import { type Add, applyKeyRule } from './reader.js';
import { setup, unknownKeys, warnSystemdSections } from './resource.js';

export function translateArtifact(
  loaded: LoadedUnit,
  _opts: TranslateOptions,
): { model?: OneShotModel; diagnostics: Diagnostic[] } {
  const { diagnostics, r, base } = setup(loaded, 'Artifact');
  unknownKeys(loaded, 'Artifact', ARTIFACT_KEYS, diagnostics);
  warnSystemdSections(loaded, 'Artifact', diagnostics);
  const artifact = r.nonEmpty('Artifact');
  if (!artifact) {
    diagnostics.push(
      error(sectionAt(loaded, 'Artifact'), 'no Artifact= key in [Artifact]: name the artifact to pull'),
    );
    return { diagnostics };
  }
  const argv = [...base, 'artifact', 'pull'];
  const add: Add = (arg, value) => {
    argv.push(arg);
    if (value !== undefined) argv.push(value);
  };
  // the table's flags, then PodmanArgs=, then the artifact last, as Quadlet orders them
  for (const [key, rule] of ARTIFACT_KEYS) applyKeyRule(r, key, rule, add);
  for (const a of r.args('PodmanArgs')) add(a.value);
  add(artifact.value);
  return {
    model: {
      kind: 'artifact',
      name: loaded.name,
      resource: artifact.value,
      commands: { argv },
      needs: [],
      sources: loaded.sources,
    },
    diagnostics,
  };
}

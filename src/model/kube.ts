// [Kube] → `podman kube play … YAML…` and the `podman kube down … YAML…` that removes what it
// made, as Quadlet's ConvertKube makes them. Yaml= and ConfigMap= name files, not units: they
// are made absolute against the unit's directory and never read here.

import { dirname } from 'node:path';
import { type Diagnostic, error, warning } from '../lib/diagnostics.js';
import type { LoadedUnit } from '../parse/load.js';
import type { ServiceUnitModel, UnitCommands } from './commands.js';
import {
  handleNetworks,
  handlePodmanArgs,
  handlePublishPorts,
  type KeyContext,
  type TranslateOptions,
  userMappings,
} from './container.js';
import { KUBE_KEYS, type KubeSpecialKey } from './keys.js';
import { applyTable, type Handling, readServiceSections, sectionAt, startServiceUnit } from './pod.js';
import { SectionReader } from './reader.js';

interface KubeContext extends KeyContext {
  /** Yaml=, absolute, in order. */
  yaml: string[];
  /** The files kube play reads: the YAML files, then ConfigMap= files. */
  inputs: string[];
}

/** How each special [Kube] key is translated (see container.ts HANDLERS). */
const HANDLERS: { readonly [K in KubeSpecialKey]: Handling<KubeSpecialKey, KubeContext> } = {
  ServiceName: { model: 'the service name' },
  GlobalArgs: { model: 'the arguments before kube' },
  ContainersConfModule: { model: 'the arguments before kube' },
  ExitCodePropagation: handleExitCodePropagation,
  UserNS: handleKubeUserMappings,
  RemapUsers: { with: 'UserNS' },
  RemapUid: { with: 'UserNS' },
  RemapGid: { with: 'UserNS' },
  RemapUidSize: { with: 'UserNS' },
  Network: handleNetworks,
  AutoUpdate: handleKubeAutoUpdate,
  ConfigMap: handleConfigMaps,
  PublishPort: handlePublishPorts,
  PodmanArgs: handlePodmanArgs,
  Yaml: addYamlFiles,
  KubeDownForce: { model: 'the kube down command' },
  SetWorkingDirectory: { model: 'the working directory' },
};

/** The values `podman kube play --service-exit-code-propagation` takes. */
const EXIT_CODE_PROPAGATION = ['all', 'any', 'none'];

function handleExitCodePropagation({ r, add, diagnostics }: KubeContext): void {
  const v = r.nonEmpty('ExitCodePropagation');
  if (!v) return;
  if (EXIT_CODE_PROPAGATION.includes(v.value)) add(`--service-exit-code-propagation=${v.value}`);
  else diagnostics.push(error(v.at, `ExitCodePropagation=${v.value}: must be all, any or none`));
}

function handleKubeUserMappings({ r, add, diagnostics }: KubeContext): void {
  userMappings(r, add, diagnostics, false);
}

function handleKubeAutoUpdate({ r, add, diagnostics }: KubeContext): void {
  const values = r.strv('AutoUpdate');
  // TYPE for every container, or CONTAINER/TYPE for one: an annotation kube play reads
  for (const { value } of values) {
    const slash = value.indexOf('/');
    add(
      slash < 0
        ? `--annotation=io.containers.autoupdate=${value}`
        : `--annotation=io.containers.autoupdate/${value.slice(0, slash)}=${value.slice(slash + 1)}`,
    );
  }
  if (values.length > 0)
    diagnostics.push(
      warning(
        values[0]!.at,
        'AutoUpdate=: podman auto-update restarts units through systemd, so it does not update kube units under Finit',
      ),
    );
}

function handleConfigMaps({ r, add, absolute, inputs }: KubeContext): void {
  for (const { value } of r.strv('ConfigMap')) {
    const path = absolute(value);
    inputs.push(path);
    add('--configmap', path);
  }
}

function addYamlFiles({ add, yaml }: KubeContext): void {
  for (const path of yaml) add(path);
}

/** SetWorkingDirectory=: the YAML file's directory (one Yaml= only) or the unit's. */
function setWorkingDirectory({ r, diagnostics, yaml }: KubeContext, unitPath: string): string | undefined {
  const v = r.nonEmpty('SetWorkingDirectory');
  if (!v) return undefined;
  switch (v.value.toLowerCase()) {
    case 'yaml':
      if (yaml.length > 1)
        diagnostics.push(
          error(v.at, 'SetWorkingDirectory=yaml is only supported when a single Yaml key is provided'),
        );
      return yaml.length === 1 ? dirname(yaml[0]!) : undefined;
    case 'unit':
      return dirname(unitPath);
    case 'file':
      diagnostics.push(error(v.at, `SetWorkingDirectory=${v.value} is only supported in .build files`));
      return undefined;
    default:
      diagnostics.push(error(v.at, `SetWorkingDirectory=${v.value}: a .kube unit takes yaml or unit`));
      return undefined;
  }
}

export function translateKube(
  loaded: LoadedUnit,
  opts: TranslateOptions,
): { model?: ServiceUnitModel; diagnostics: Diagnostic[] } {
  const start = startServiceUnit(loaded, 'Kube', KUBE_KEYS, opts);
  const { ctx, base, args, needs } = start;
  const { r, diagnostics } = ctx;
  const yaml = r.strv('Yaml').map((v) => ctx.absolute(v.value));
  if (yaml.length === 0)
    diagnostics.push(
      error(sectionAt(loaded, 'Kube'), 'no Yaml= key in [Kube]: name the Kubernetes YAML file to play'),
    );
  const kube: KubeContext = { ...ctx, yaml, inputs: [...yaml] };

  // [Service] Type= chooses between a supervised kube play (notify, the default) and one that
  // only creates resources (oneshot); Quadlet accepts no other, nor a KillMode= that would leave
  // the pods' processes behind.
  const serviceR = new SectionReader(r.unit, 'Service', r.specifiers, diagnostics);
  const type = serviceR.nonEmpty('Type');
  if (type && type.value !== 'notify' && type.value !== 'oneshot')
    diagnostics.push(error(type.at, `Type=${type.value} in [Service]: a .kube unit is notify or oneshot`));
  const killMode = serviceR.nonEmpty('KillMode');
  if (killMode && killMode.value !== 'mixed' && killMode.value !== 'control-group')
    diagnostics.push(
      error(
        killMode.at,
        `KillMode=${killMode.value} in [Service]: a .kube unit takes mixed or control-group`,
      ),
    );

  // --replace: pods of these names left behind (a power cut) are replaced, not an error;
  // --service-container: one container stands for the whole play, ending when its pods end.
  args.push('--replace', '--service-container=true');
  applyTable(KUBE_KEYS, HANDLERS, kube);

  const down = [...base, 'kube', 'down'];
  const force = r.bool('KubeDownForce');
  if (force) down.push(force.value ? '--force' : '--force=false');
  down.push(...yaml);

  const own = setWorkingDirectory(kube, loaded.unit.path);
  const { service, workingDirectory } = readServiceSections(start, opts.index, ['Type']);
  const commands: UnitCommands = { argv: [...base, 'kube', 'play', ...args], stopPostArgv: down };
  // [Service] WorkingDirectory= wins over SetWorkingDirectory=, as in Quadlet
  const cwd = workingDirectory ?? own;
  if (cwd !== undefined) commands.workingDirectory = cwd;
  const model: ServiceUnitModel = {
    kind: 'kube',
    name: loaded.name,
    resource: loaded.name.stem,
    commands,
    service,
    needs: [...needs],
    inputs: kube.inputs,
    sources: loaded.sources,
  };
  if (type?.value === 'oneshot') model.oneshot = true;
  return { model, diagnostics };
}

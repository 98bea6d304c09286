// What every unit kind runs, as podman command lines: the one shape `render --json` prints (its
// contract: ../shared/quadlet-suite/README.md) and apply carries out. Each field is a whole
// command, executable first, one array element per argument; a unit leaves out what it has not.

import type { UnitName } from '../parse/load.js';
import { type ContainerModel, podmanArgv } from './container.js';
import type { HostDeviceModel, ResourceModel } from './resource.js';
import type { ServiceModel } from './service.js';

export interface UnitCommands {
  /** The unit's main command: run, pod create, network/volume create, pull, build, kube play… */
  argv: string[];
  /** What starts what argv created (.pod: pod start). */
  startArgv?: string[];
  /** What stops the unit. */
  stopArgv?: string[];
  /** What removes what the unit made once it stopped, or before it starts again. */
  stopPostArgv?: string[];
  /** What a reload runs (.container with ReloadCmd=/ReloadSignal=). */
  reloadArgv?: string[];
  /** The absolute directory the commands run in (SetWorkingDirectory=, [Service] WorkingDirectory=). */
  workingDirectory?: string;
}

/** A unit Finit supervises as a service of its own (.pod, .kube). */
export interface ServiceUnitModel {
  kind: 'pod' | 'kube';
  name: UnitName;
  /** What podman calls what it makes: the pod's name (.pod); the unit's stem (.kube). */
  resource: string;
  commands: UnitCommands;
  service: ServiceModel;
  /** Other units this one needs (networks, volumes, images, builds, configmaps), by file name. */
  needs: string[];
  /** .kube: the YAML files (Yaml=, ConfigMap=), absolute, whose content kube play reads. */
  inputs?: string[];
  /** .kube with [Service] Type=oneshot: kube play only creates resources, so it runs once, unsupervised. */
  oneshot?: boolean;
  sources: string[];
}

/** A unit carried out once, before the units that use it (.image, .build, .artifact). */
export interface OneShotModel {
  kind: 'image' | 'build' | 'artifact';
  name: UnitName;
  /** The image (or artifact) reference it makes present: what Image=NAME.image resolves to. */
  resource: string;
  commands: UnitCommands;
  /** .build: the files and directories whose content decides whether to build again. */
  inputs?: string[];
  needs: string[];
  sources: string[];
}

const containerCommands = (m: ContainerModel): UnitCommands => {
  const base = ['/usr/bin/podman', ...m.globalArgs];
  const c: UnitCommands = {
    argv: podmanArgv(m),
    stopArgv: [...base, 'stop', '--ignore', '-t', String(m.stopTimeout), m.containerName],
    stopPostArgv: [...base, 'rm', '-v', '-f', '-i', m.containerName],
  };
  if (m.reload && 'command' in m.reload)
    c.reloadArgv = [...base, 'exec', m.containerName, ...m.reload.command];
  else if (m.reload) c.reloadArgv = [...base, 'kill', '--signal', m.reload.signal, m.containerName];
  return c;
};

/** The commands of any unit's model. */
export function commandsOf(
  m: ContainerModel | ResourceModel | HostDeviceModel | ServiceUnitModel | OneShotModel,
): UnitCommands | undefined {
  if (m.kind === 'container') return containerCommands(m);
  if (m.kind === 'hostdevice') return undefined;
  if ('argv' in m) {
    return m.stopPostArgv ? { argv: m.argv, stopPostArgv: m.stopPostArgv } : { argv: m.argv };
  }
  return m.commands;
}

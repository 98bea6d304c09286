// The units of one directory, by file name, with the podman resource each creates. Containers
// use it to resolve `Network=db.network`, `Volume=data.volume:/data`, `Network=web.container`.

import type { LoadedUnit, UnitName } from '../parse/load.js';
import { expandSpecifiers } from '../parse/specifiers.js';
import { defaultContainerName } from './names.js';

export interface UnitInfo {
  name: UnitName;
  /** What podman calls the thing the unit makes (container, network, volume, pod, image name). */
  resource: string;
  /** The unit's service name: ServiceName= or the file's stem. */
  serviceName: string;
  /**
   * For a template (`net@.network`), its NetworkName=/VolumeName=/... as written: specifiers such
   * as %i in it belong to the instance that uses the template, so they are expanded there.
   */
  templateName?: string;
}

/** A directory's units by file name (buildIndex): what a translation looks other units up in. */
export type UnitIndex = ReadonlyMap<string, UnitInfo>;

const RESOURCE_KEY: Record<string, [section: string, key: string]> = {
  container: ['Container', 'ContainerName'],
  network: ['Network', 'NetworkName'],
  volume: ['Volume', 'VolumeName'],
  pod: ['Pod', 'PodName'],
  image: ['Image', 'ImageTag'],
  artifact: ['Artifact', 'Artifact'],
};

const SECTION: Record<string, string> = {
  container: 'Container',
  network: 'Network',
  volume: 'Volume',
  pod: 'Pod',
  image: 'Image',
  build: 'Build',
  kube: 'Kube',
  artifact: 'Artifact',
};

/** What the index says about one loaded unit. */
export function unitInfo({ name, unit }: LoadedUnit): UnitInfo {
  const section = SECTION[name.kind]!;
  const serviceName = unit.lookup(section, 'ServiceName')?.value || name.stem;
  // Names are expanded in the unit's own context, as its translator expands them, so that
  // `NetworkName=%N-net` means the same network here and where the network is created.
  const spec = { filename: name.filename, path: unit.path, serviceName };
  const expand = (v: string): string => {
    try {
      return expandSpecifiers(v, spec);
    } catch {
      return v; // the unit's own translation reports the bad specifier
    }
  };
  let resource = name.kind === 'container' ? defaultContainerName(name) : name.stem;
  const rk = RESOURCE_KEY[name.kind];
  const explicit = rk && unit.lookup(rk[0], rk[1])?.value;
  if (explicit) resource = expand(explicit);
  else if (name.kind === 'image') resource = expand(unit.lookup('Image', 'Image')?.value ?? '');
  else if (name.kind === 'build') resource = expand(unit.all('Build', 'ImageTag')[0]?.value ?? '');
  const info: UnitInfo = { name, resource, serviceName };
  if (name.isTemplate && explicit) info.templateName = explicit;
  return info;
}

export function buildIndex(units: readonly LoadedUnit[]): UnitIndex {
  return new Map(units.map((u) => [u.name.filename, unitInfo(u)]));
}

// The units of one directory, by file name, with the podman resource each creates. Containers
// use it to resolve `Network=db.network`, `Volume=data.volume:/data`, `Network=web.container`.

import type { LoadedUnit, UnitName } from '../parse/load.js';
import { expandSpecifiers } from '../parse/specifiers.js';

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

/** The look-ups a translation makes: a Map from buildIndex, or a LazyIndex. */
export interface UnitIndex {
  get(filename: string): UnitInfo | undefined;
  has(filename: string): boolean;
}

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

/** The default name of a container: the unit's name; `prefix_instance` for a template instance. */
export function defaultContainerName(n: UnitName): string {
  return n.instance !== '' || n.isTemplate ? `${n.prefix}_${n.instance}` : n.stem;
}

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

export function buildIndex(units: readonly LoadedUnit[]): ReadonlyMap<string, UnitInfo> {
  const index = new Map<string, UnitInfo>();
  for (let i = 0; i < units.length; i++) index.set(units[i]!.name.filename, unitInfo(units[i]!));
  return index;
}

/**
 * An index that reads a unit only when another one names it: a pass over a directory then loads,
 * translates and drops one unit at a time (what `check` does), instead of holding every parsed
 * unit until the last is translated. The units it did read are handed back through `take`, so
 * none is read twice.
 */
export class LazyIndex implements UnitIndex {
  private readonly infos = new Map<string, UnitInfo>();
  private readonly kept = new Map<string, LoadedUnit>();

  constructor(
    private readonly names: ReadonlyMap<string, UnitName>,
    private readonly load: (name: UnitName) => LoadedUnit,
  ) {}

  has(filename: string): boolean {
    return this.names.has(filename);
  }

  get(filename: string): UnitInfo | undefined {
    let info = this.infos.get(filename);
    if (info) return info;
    const name = this.names.get(filename);
    if (!name) return undefined;
    const loaded = this.load(name);
    this.kept.set(filename, loaded);
    info = unitInfo(loaded);
    this.infos.set(filename, info);
    return info;
  }

  /** The unit, loaded now or (when a unit named it earlier) then; the index lets go of it. */
  take(name: UnitName): LoadedUnit {
    const loaded = this.kept.get(name.filename);
    if (!loaded) return this.load(name);
    this.kept.delete(name.filename);
    return loaded;
  }
}

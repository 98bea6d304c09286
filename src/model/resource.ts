// [Network] and [Volume] units → the `podman network create` / `podman volume create` command
// that makes them, plus finit-pods' own [HostDevice] network: a CNI host-device profile that
// hands a host interface to a container with a static address (what Infix's
// `cni create host NAME IFACE ADDR/LEN` wrote), which `podman network create` cannot express.

import { type Diagnostic, error, nearest, type Origin, warning } from '../lib/diagnostics.js';
import type { LoadedUnit, UnitName } from '../parse/load.js';
import type { SpecifierContext } from '../parse/specifiers.js';
import { type TranslateOptions, unitResolver } from './container.js';
import { NETWORK_KEYS, QUADLET_KEYS, VOLUME_KEYS } from './keys.js';
import { type Add, applyKeyRule, SectionReader } from './reader.js';
import { warnUnknownSections } from './service.js';

export interface ResourceModel {
  kind: 'network' | 'volume';
  name: UnitName;
  /** The podman network or volume name. */
  resource: string;
  /** `podman … create --ignore … NAME` */
  argv: string[];
  /** `podman network rm …` when NetworkDeleteOnStop= is set. */
  stopPostArgv?: string[];
  /** Other units this one needs (a volume's Image=NAME.image or NAME.build), by file name. */
  needs?: string[];
  sources: string[];
}

export interface HostDeviceModel {
  kind: 'hostdevice';
  name: UnitName;
  /** The CNI network name containers use in Network=. */
  resource: string;
  device: string;
  addresses: string[];
  gateway?: string;
  /** The CNI conflist written to /etc/cni/net.d. */
  conflist: object;
  sources: string[];
}

export const HOSTDEVICE_KEYS = new Set(['Device', 'Address', 'Gateway', 'NetworkName']);

export function unknownKeys(
  loaded: LoadedUnit,
  section: string,
  known: ReadonlyMap<string, unknown> | ReadonlySet<string>,
  ds: Diagnostic[],
) {
  for (const e of loaded.unit.keys(section)) {
    if (known.has(e.key)) continue;
    const near = nearest(e.key, known.keys());
    ds.push(error(e, `unsupported key ${e.key}= in [${section}]${near ? ` (did you mean ${near}=?)` : ''}`));
  }
  for (const e of loaded.unit.keys('Quadlet')) {
    if (!QUADLET_KEYS.has(e.key)) ds.push(error(e, `unsupported key ${e.key}= in [Quadlet]`));
  }
}

const INFORMATIONAL = new Set(['Description', 'Documentation', 'SourcePath']);

/** Warns about every systemd key but the informational ones and the [Service] keys the translator uses. */
export function warnSystemdSections(
  loaded: LoadedUnit,
  own: string,
  ds: Diagnostic[],
  serviceUsed: ReadonlySet<string> = new Set(),
) {
  const article = /^[aeiou]/.test(loaded.name.kind) ? 'an' : 'a';
  for (const s of ['Unit', 'Service', 'Install']) {
    for (const e of loaded.unit.keys(s)) {
      if (s === 'Unit' && INFORMATIONAL.has(e.key)) continue;
      if (s === 'Service' && serviceUsed.has(e.key)) continue;
      ds.push(
        warning(
          e,
          `${e.key}= in [${s}] has no effect on ${article} ${loaded.name.kind} unit under finit-pods`,
        ),
      );
    }
  }
  warnUnknownSections(loaded.unit, [own, 'Unit', 'Service', 'Install', 'Quadlet'], ds);
}

export function setup(loaded: LoadedUnit, section: string) {
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const serviceName = loaded.unit.lookup(section, 'ServiceName')?.value || loaded.name.stem;
  const spec: SpecifierContext = { filename: loaded.name.filename, path: loaded.unit.path, serviceName };
  const r = new SectionReader(loaded.unit, section, spec, diagnostics);
  const base: string[] = ['/usr/bin/podman'];
  for (const m of r.all('ContainersConfModule')) base.push(`--module=${m.value}`);
  for (const a of r.args('GlobalArgs')) base.push(a.value);
  return { diagnostics, r, base };
}

export function translateNetwork(loaded: LoadedUnit): {
  model?: ResourceModel | HostDeviceModel;
  diagnostics: Diagnostic[];
} {
  if (loaded.unit.sections.has('HostDevice')) return translateHostDevice(loaded);
  const { diagnostics, r, base } = setup(loaded, 'Network');
  unknownKeys(loaded, 'Network', NETWORK_KEYS, diagnostics);
  warnSystemdSections(loaded, 'Network', diagnostics);
  const resource = r.nonEmpty('NetworkName')?.value ?? loaded.name.stem;
  const argv = [...base, 'network', 'create', '--ignore'];
  const add: Add = (arg, value) => {
    argv.push(arg);
    if (value !== undefined) argv.push(value);
  };
  // Flags first, then the subnets, then --opt/--label (key=value lists), as Quadlet orders them.
  const late = new Set(['Options', 'Label']);
  for (const [key, rule] of NETWORK_KEYS) {
    if (rule.kind !== 'special' && !late.has(key)) applyKeyRule(r, key, rule, add);
  }
  const subnets = r.all('Subnet');
  const gateways = r.all('Gateway');
  const ranges = r.all('IPRange');
  const fileAt: Origin = { file: loaded.unit.path, line: 0 };
  if (subnets.length > 0) {
    if (gateways.length > subnets.length)
      diagnostics.push(error(gateways[subnets.length]!.at, 'cannot set more gateways than subnets'));
    if (ranges.length > subnets.length)
      diagnostics.push(error(ranges[subnets.length]!.at, 'cannot set more ranges than subnets'));
    subnets.forEach((s, i) => {
      add('--subnet', s.value);
      if (gateways[i]) add('--gateway', gateways[i]!.value);
      if (ranges[i]) add('--ip-range', ranges[i]!.value);
    });
  } else if (gateways.length > 0 || ranges.length > 0) {
    diagnostics.push(
      error((gateways[0] ?? ranges[0])?.at ?? fileAt, 'cannot set gateway or range without subnet'),
    );
  }
  for (const key of late) applyKeyRule(r, key, NETWORK_KEYS.get(key)!, add);
  for (const a of r.args('PodmanArgs')) add(a.value);
  add(resource);
  const model: ResourceModel = {
    kind: 'network',
    name: loaded.name,
    resource,
    argv,
    sources: loaded.sources,
  };
  // Quadlet removes the network when its service stops; a network under finit-pods is no service
  // and never stops, so the command is stated (render) but apply has no moment to run it.
  const del = r.bool('NetworkDeleteOnStop');
  if (del?.value) {
    model.stopPostArgv = [...base, 'network', 'rm', resource];
    diagnostics.push(
      warning(
        del.at,
        'NetworkDeleteOnStop= has no effect: finit-pods never stops a network, it stays while its unit exists',
      ),
    );
  }
  return { model, diagnostics };
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$|^[0-9a-fA-F:]+\/\d{1,3}$/;
const IFNAME = /^[^\s/:]{1,15}$/;

function translateHostDevice(loaded: LoadedUnit): { model?: HostDeviceModel; diagnostics: Diagnostic[] } {
  const { diagnostics, r } = setup(loaded, 'HostDevice');
  unknownKeys(loaded, 'HostDevice', HOSTDEVICE_KEYS, diagnostics);
  for (const e of loaded.unit.keys('Network')) {
    diagnostics.push(
      error(e, `${e.key}= in [Network]: a host-device network is described by [HostDevice] alone`),
    );
  }
  warnSystemdSections(loaded, 'HostDevice', diagnostics);
  const fileAt: Origin = { file: loaded.unit.path, line: 0 };
  diagnostics.push(
    warning(
      loaded.unit.headers.get('HostDevice') ?? fileAt,
      '[HostDevice] is a finit-pods extension (Quadlet has no such section): this file works only with finit-pods',
    ),
  );
  const resource = r.nonEmpty('NetworkName')?.value ?? loaded.name.stem;
  const device = r.nonEmpty('Device');
  if (!device)
    diagnostics.push(
      error(
        loaded.unit.headers.get('HostDevice') ?? fileAt,
        'no Device= in [HostDevice]: name the host interface to hand over, e.g. Device=veth0b',
      ),
    );
  else if (!IFNAME.test(device.value))
    diagnostics.push(error(device.at, `Device=${device.value} is not an interface name`));
  const addresses = r.strv('Address');
  for (const a of addresses) {
    const m = a.value.match(CIDR);
    if (!m || (m[1] !== undefined && (m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32))) {
      diagnostics.push(
        error(a.at, `Address=${a.value} is not an address with prefix length, e.g. 192.168.0.42/24`),
      );
    }
  }
  const gateway = r.nonEmpty('Gateway')?.value;
  const ipam =
    addresses.length > 0
      ? {
          type: 'static',
          addresses: addresses.map((a) => (gateway ? { address: a.value, gateway } : { address: a.value })),
          ...(gateway ? { routes: [{ dst: gateway.includes(':') ? '::/0' : '0.0.0.0/0' }] } : {}),
        }
      : undefined;
  const conflist = {
    cniVersion: '0.4.0',
    name: resource,
    plugins: [{ type: 'host-device', device: device?.value ?? '', ...(ipam ? { ipam } : {}) }],
  };
  const model: HostDeviceModel = {
    kind: 'hostdevice',
    name: loaded.name,
    resource,
    device: device?.value ?? '',
    addresses: addresses.map((a) => a.value),
    conflist,
    sources: loaded.sources,
  };
  if (gateway) model.gateway = gateway;
  return { model, diagnostics };
}

/**
 * Quadlet's LookupUint32 for [Volume] User=/Group=: a number as strtol reads it (0x hex, leading 0
 * octal), and 0 for anything else, user names included; undefined says it was not a number.
 */
function quadletUint32(text: string): number | undefined {
  const v = text.replace(/^[+-]/, '');
  const n = /^0[xX][0-9a-fA-F]+$/.test(v)
    ? Number.parseInt(v.slice(2), 16)
    : /^0[0-7]*$/.test(v)
      ? Number.parseInt(v, 8)
      : /^[1-9][0-9]*$/.test(v)
        ? Number(v)
        : undefined;
  return n === undefined || (text.startsWith('-') && n !== 0) || n > 0xffffffff ? undefined : n;
}

export function translateVolume(
  loaded: LoadedUnit,
  opts: TranslateOptions,
): { model?: ResourceModel; diagnostics: Diagnostic[] } {
  const { diagnostics, r, base } = setup(loaded, 'Volume');
  unknownKeys(loaded, 'Volume', VOLUME_KEYS, diagnostics);
  warnSystemdSections(loaded, 'Volume', diagnostics);
  const resource = r.nonEmpty('VolumeName')?.value ?? loaded.name.stem;
  const argv = [...base, 'volume', 'create', '--ignore'];
  const add: Add = (arg, value) => {
    argv.push(arg);
    if (value !== undefined) argv.push(value);
  };
  for (const k of ['UID', 'GID'] as const) {
    const v = r.nonEmpty(k);
    if (v) add(`--${k.toLowerCase()}`, v.value);
  }
  const driver = r.str('Driver');
  if (driver) add('--driver', driver.value);
  const o: string[] = [];
  let imageOpt: string | undefined;
  const needs = new Set<string>();
  if (driver?.value === 'image') {
    const image = r.str('Image');
    if (!image) diagnostics.push(error(driver.at, 'the key Image is mandatory when using the image driver'));
    else if (/\.(image|build)$/.test(image.value)) {
      const resolveRef = unitResolver(loaded, r.specifiers, opts.index, needs, diagnostics);
      imageOpt = `image=${resolveRef(image.value, image.at, 'Image=: Quadlet image') ?? image.value}`;
    } else imageOpt = `image=${image.value}`;
  } else {
    for (const [key, opt] of [
      ['User', 'uid'],
      ['Group', 'gid'],
    ] as const) {
      const v = r.str(key);
      if (!v) continue;
      const n = quadletUint32(v.value);
      if (n === undefined && v.value !== 'root')
        diagnostics.push(
          warning(
            v.at,
            `${key}=${v.value} is not a number: ${opt}=0 is used, as Quadlet does; give the numeric ${opt}`,
          ),
        );
      o.push(`${opt}=${n ?? 0}`);
    }
    const copy = r.bool('Copy');
    if (copy) add('--opt', copy.value ? 'copy' : 'nocopy');
    const dev = r.nonEmpty('Device');
    if (dev) add('--opt', `device=${dev.value}`);
    const type = r.nonEmpty('Type');
    if (type) {
      if (dev) add('--opt', `type=${type.value}`);
      else diagnostics.push(error(type.at, "key Type can't be used without Device"));
    }
    // Options= joins the o= mount options with or without Device= (newest Quadlet: no Device check).
    const mountOpts = r.nonEmpty('Options');
    if (mountOpts) o.push(mountOpts.value);
  }
  if (imageOpt) add('--opt', imageOpt);
  else if (o.length > 0) add('--opt', `o=${o.join(',')}`);
  applyKeyRule(r, 'Label', { kind: 'keyval', flag: '--label' }, add);
  for (const a of r.args('PodmanArgs')) add(a.value);
  add(resource);
  const model: ResourceModel = { kind: 'volume', name: loaded.name, resource, argv, sources: loaded.sources };
  if (needs.size > 0) model.needs = [...needs];
  return { model, diagnostics };
}

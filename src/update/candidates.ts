// Which pods auto-update updates, and from where: every container unit with a policy
// (model/autoupdate.ts). `registry` checks the registry for the unit's fully qualified reference (or its
// .image unit's Image=), with the registry options the unit gives its pull or run; `local` looks at
// what the reference names in local storage; a pod whose image is an archive (Image=oci-archive:…,
// or a .image unit pulling one) follows the archive, whatever its policy. Pure.

import { archiveImage, followedArchiveTag } from '../apply/archive.js';
import { AUTHFILE_LABEL, autoUpdatePolicy, labelOf, type Policy } from '../model/autoupdate.js';
import type { OneShotModel } from '../model/commands.js';
import type { UnitResult } from '../model/translate.js';

/** The registry options of podman's pull and run that a pull for an update passes on. */
const REGISTRY_OPTIONS = ['--tls-verify', '--authfile', '--cert-dir', '--creds', '--retry', '--retry-delay'];
/** Those of them that are boolean (no separate value). */
const BOOLEAN_OPTIONS = new Set(['--tls-verify']);

/** The registry options in an argv (`--opt value` or `--opt=value`), as `--opt=value` words. */
export function registryOptions(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!REGISTRY_OPTIONS.includes(name)) continue;
    if (eq >= 0) out.push(a);
    else if (BOOLEAN_OPTIONS.has(name)) out.push(`${name}=true`);
    else if (i + 1 < argv.length) out.push(`${name}=${argv[++i]}`);
  }
  return out;
}

/** Where an update comes from. */
export type UpdateSource =
  | {
      kind: 'registry' /** what is pulled (the .image unit's Image=, else the reference) */;
      pull: string;
      options: string[];
    }
  | { kind: 'local' }
  | { kind: 'archive'; path: string };

export interface UpdateCandidate {
  pod: string;
  container: string;
  file: string;
  policy: Policy;
  /** The reference the pod's podman run names: an update moves it to the new image. */
  ref: string;
  source: UpdateSource;
}

/** A unit that asks for updates but cannot have them, and why. */
export interface CandidateError {
  pod: string;
  file: string;
  error: string;
}

/** A reference podman can check a registry for: it names its registry (a host with a dot or a port, or localhost). */
export function fullyQualified(ref: string): boolean {
  const slash = ref.indexOf('/');
  if (slash < 0) return false;
  const host = ref.slice(0, slash);
  return host.includes('.') || host.includes(':') || host === 'localhost';
}

/** The image a pull argv pulls: its last word. */
const pulled = (m: OneShotModel): string => m.commands.argv.at(-1) ?? '';

/** Every container unit with a policy, as a candidate or as why it cannot be updated. */
export function updateCandidates(results: readonly UnitResult[]): (UpdateCandidate | CandidateError)[] {
  const byFile = new Map(results.map((r) => [r.name.filename, r]));
  const out: (UpdateCandidate | CandidateError)[] = [];
  for (const r of results) {
    const m = r.model;
    if (m?.kind !== 'container' || r.name.isTemplate || !r.ok) continue;
    const policy = autoUpdatePolicy(m);
    if (policy === undefined) continue;
    const base = { pod: m.pod, file: r.path };
    if (typeof policy !== 'string') {
      out.push({ ...base, error: `AutoUpdate=${policy.invalid}: the policy is registry or local` });
      continue;
    }
    const c = { ...base, container: m.containerName, policy };
    const archive = archiveImage(m.image);
    if (archive && 'error' in archive) {
      out.push({ ...base, error: archive.error });
      continue;
    }
    if (archive) {
      out.push({
        ...c,
        ref: followedArchiveTag(archive.path),
        source: { kind: 'archive', path: archive.path },
      });
      continue;
    }
    const imageUnit = m.needs.map((f) => byFile.get(f)?.model).find((x) => x?.kind === 'image') as
      | OneShotModel
      | undefined;
    const from = imageUnit ? archiveImage(pulled(imageUnit)) : undefined;
    if (from && 'path' in from) {
      out.push({ ...c, ref: m.image, source: { kind: 'archive', path: from.path } });
      continue;
    }
    if (policy === 'local') {
      out.push({ ...c, ref: m.image, source: { kind: 'local' } });
      continue;
    }
    const pull = imageUnit ? pulled(imageUnit) : m.image;
    if (!fullyQualified(pull)) {
      out.push({
        ...base,
        error: `AutoUpdate=registry needs a fully qualified image (REGISTRY/NAME:TAG) to check; ${pull} is not`,
      });
      continue;
    }
    const options = registryOptions(imageUnit ? imageUnit.commands.argv : m.runArgs);
    const authfile = labelOf(m.runArgs, AUTHFILE_LABEL);
    if (authfile && !options.some((o) => o.startsWith('--authfile='))) options.push(`--authfile=${authfile}`);
    out.push({ ...c, ref: m.image, source: { kind: 'registry', pull, options } });
  }
  return out;
}

// finit-pods show NAME: the unit as merged with its drop-ins (each line's origin noted), the
// stanza Finit runs, and the podman command line to paste into a shell to try the pod by hand.

import { join, relative } from 'node:path';
import { podArchive } from '../apply/archive.js';
import { readIfExists } from '../apply/files.js';
import type { SyncConfig } from '../apply/sync.js';
import { formatDiagnostic } from '../lib/diagnostics.js';
import { shellJoin } from '../lib/shell.js';
import { translateDir } from '../model/translate.js';
import { loadUnit, type UnitName } from '../parse/load.js';
import type { FinitCaps } from '../render/finit.js';
import { renderPod } from '../render/stanza.js';

/** A unit as merged with its drop-ins, each line's origin noted. */
export function mergedUnitText(unitsDir: string, name: UnitName): string {
  const loaded = loadUnit(unitsDir, name);
  const lines = [`# ${loaded.sources.map((s) => relative(unitsDir, s)).join(' + ')}`];
  for (const [section, entries] of loaded.unit.sections) {
    lines.push('', `[${section}]`);
    let from = '';
    for (const e of entries) {
      if (e.file !== from) {
        from = e.file;
        if (from !== loaded.unit.path) lines.push(`# from ${relative(unitsDir, from)}`);
      }
      lines.push(`${e.key}=${e.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function show(
  cfg: SyncConfig,
  name: string,
  caps: FinitCaps,
  initctl: string,
): { text: string; found: boolean } {
  const results = translateDir(cfg.unitsDir, { maxPodName: caps.maxId }).results;
  const r = results.find(
    (x) =>
      (x.model?.kind === 'container' && x.model.pod === name) ||
      x.name.filename === name ||
      x.name.stem === name,
  );
  if (!r) return { text: `no unit for "${name}" in ${cfg.unitsDir}\n`, found: false };
  const out: string[] = [
    `== unit ${r.path} (merged with its drop-ins)`,
    mergedUnitText(cfg.unitsDir, r.name).trimEnd(),
  ];
  if (r.diagnostics.length) out.push('', '== problems', ...r.diagnostics.map(formatDiagnostic));
  if (r.model?.kind === 'container') {
    let m = r.model;
    const archive = podArchive(m);
    if (archive && 'tag' in archive) m = { ...m, image: archive.tag };
    const conf = join(cfg.stanzaDir, `pod-${m.pod}.conf`);
    let onDisk: string | undefined;
    let unreadable = '';
    try {
      onDisk = readIfExists(conf);
    } catch (e) {
      unreadable = ` (${conf} is ${(e as Error).message})`;
    }
    const rendered = renderPod(m, caps, { stanzaDir: cfg.stanzaDir, podman: cfg.podman, initctl }, []);
    out.push(
      '',
      onDisk
        ? `== stanza ${conf}`
        : `== stanza (not applied${unreadable || ' yet'}; finit-pods sync would write ${conf})`,
    );
    out.push((onDisk ?? rendered.conf).trimEnd());
    const argv = [...rendered.runArgv];
    argv.splice(argv.indexOf('run') + 1, 0, '-d');
    out.push(
      '',
      `== to try it by hand (detached; stop it with: podman rm -f ${m.containerName})`,
      shellJoin(argv),
    );
  } else if (r.model && 'argv' in r.model) {
    out.push('', '== command', shellJoin(r.model.argv));
  }
  return { text: `${out.join('\n')}\n`, found: true };
}

// finit-pods cleanup: removes the containers that would keep pods from starting.

import { parseArgs } from 'node:util';
import { type CleanupRun, cleanup } from '../../apply/boot.js';
import { run } from '../../apply/run.js';
import { translateDir } from '../../model/translate.js';
import { type Command, err, out, PATH_HELP } from '../command.js';
import { PATH_OPTIONS, syncConfig } from '../config.js';

/** What a cleanup removed, would remove or left alone, one line each (sync prints it at a boot). */
export function printCleanup(r: CleanupRun): void {
  const verb = r.dryRun ? 'would remove' : 'removed';
  for (const x of [...r.plan.remove, ...r.plan.ghosts])
    err(`${verb} ${x.name} (${x.id.slice(0, 12)}): ${x.reason}\n`);
  for (const x of r.plan.blocking) err(`left alone: ${x.name} (${x.id.slice(0, 12)}): ${x.reason}\n`);
  for (const e of r.errors) err(`cleanup: ${e}\n`);
}

export const cleanupCommand: Command = {
  summary: 'remove containers that would keep pods from starting (lingering, ghost)',
  help: `Usage: finit-pods cleanup [--dry-run] [OPTIONS]

Removes what would block a pod: every finit-pods container that is not running, any container
that is not running but holds a pod's name (e.g. left "Created" by a power cut), and
storage-only containers holding a pod's name. A running container finit-pods does not own is
never removed: it is reported. The daemon does this at every boot before pods may start.

  --dry-run   only print what would be removed, and why
${PATH_HELP}
Exit status: 0 when everything that should go is gone, 1 otherwise.
`,
  async run(args) {
    const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, ...PATH_OPTIONS } });
    const cfg = syncConfig(values);
    const pods = new Map<string, string>();
    for (const r of translateDir(cfg.unitsDir).results) {
      if (r.model?.kind === 'container' && !r.name.isTemplate) pods.set(r.model.containerName, r.model.pod);
    }
    const r = await cleanup(cfg, run, pods, { dryRun: values['dry-run'] === true });
    printCleanup(r);
    const n = r.plan.remove.length + r.plan.ghosts.length;
    out(
      `${r.dryRun ? 'would remove' : 'removed'} ${n} container${n === 1 ? '' : 's'}${r.plan.blocking.length ? `; ${r.plan.blocking.length} left alone` : ''}\n`,
    );
    return r.errors.length === 0 ? 0 : 1;
  },
};

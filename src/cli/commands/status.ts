// finit-pods status: one row per unit, from the unit, Finit and podman.

import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { podmanCli } from '../../apply/podman.js';
import { run } from '../../apply/run.js';
import { readState } from '../../daemon/state.js';
import { collectStatus, formatStatus, type StatusView } from '../../inspect/status.js';
import { type Command, err, out, outJson, PATH_HELP } from '../command.js';
import { PATH_OPTIONS, syncConfig } from '../config.js';
import { reachFinit } from '../reach.js';

export const statusCommand: Command = {
  summary: 'show every unit: its problems (FILE:LINE), Finit state, container, image, uptime',
  help: `Usage: finit-pods status [--json] [OPTIONS] [NAME...]

One row per unit (or only the NAMEs given: pod names or unit file names): the unit's state (ok,
warning, error with FILE:LINE), Finit's state and restarts, the container's state and ID, whether
its image is present, and uptime. Works with or without the daemon. The JSON form's schema is in
docs/status.md.

  --json   print the view as JSON
${PATH_HELP}
Exit status: 0 when every unit is healthy (usable, running), 1 otherwise (also when a NAME
matches no unit).
`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, ...PATH_OPTIONS },
      allowPositionals: true,
    });
    const cfg = syncConfig(values);
    const finit = reachFinit('status');
    if (!finit) return 1;
    let view: StatusView;
    try {
      view = await collectStatus(cfg, { finit, podman: podmanCli(cfg.podman, run) }, positionals);
    } catch (e) {
      err(`finit-pods status: ${(e as Error).message}\n`);
      const daemon = readState(cfg.runDir);
      if (daemon?.unitsDirError) err(`the daemon reports: ${daemon.unitsDirError}\n`);
      return 1;
    }
    if (values.json) outJson(view);
    else out(formatStatus(view));
    // a NAME that matches no unit (a typo) is not "healthy"
    const unknown = positionals.filter(
      (n) => !view.units.some((u) => u.name === n || basename(u.file) === n),
    );
    for (const n of unknown) err(`finit-pods status: no unit "${n}" in ${cfg.unitsDir}\n`);
    return view.healthy && unknown.length === 0 ? 0 : 1;
  },
};

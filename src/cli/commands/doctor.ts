// finit-pods doctor: why each pod is not running, and with --fix the safe remedy.

import { parseArgs } from 'node:util';
import { applyLocked } from '../../apply/boot.js';
import { podmanCli } from '../../apply/podman.js';
import { run } from '../../apply/run.js';
import { doctor, formatFindings } from '../../inspect/doctor.js';
import { type Command, out, PATH_HELP } from '../command.js';
import { PATH_OPTIONS, syncConfig } from '../config.js';
import { reachFinit } from '../reach.js';

export const doctorCommand: Command = {
  summary: 'say why each pod is not running; --fix applies the safe remedy',
  help: `Usage: finit-pods doctor [--fix] [OPTIONS]

For every pod that is not running, the reason in one sentence: unit invalid (FILE:LINE), image
missing, name held by a lingering container (with its ID and state), port already taken, network
missing, pods held back by the start condition, options this podman does not have (a key for a
newer podman, named), held back by a service it waits for, Finit gave up (crashed); and
containers finit-pods started for a pod no unit defines any more (left behind). With --fix:
removes the lingering non-running container, loads the image from its archive, recreates the
network, writes missing stanzas (all through sync), then runs "initctl restart pod:NAME"; stops
and removes what was left behind; and reports what it did. A running container finit-pods does
not own is never touched.

  --fix    apply the safe remedies
${PATH_HELP}
A pod whose last update was rolled back (finit-pods auto-update) is named too, with the reason;
it runs on its previous image, so that alone does not make the exit status 1.

Exit status: 0 when every pod runs (after --fix: when nothing is left to fix), 1 otherwise.
`,
  async run(args) {
    const { values } = parseArgs({ args, options: { fix: { type: 'boolean' }, ...PATH_OPTIONS } });
    const cfg = syncConfig(values);
    const finit = reachFinit('doctor');
    if (!finit) return 1;
    const fix = values.fix === true;
    const findings = await doctor(
      cfg,
      {
        finit,
        podman: podmanCli(cfg.podman, run),
        apply: (units) => applyLocked(cfg, { finit, exec: run }, { checkImages: 'all', units }),
      },
      { fix },
    );
    out(formatFindings(findings, fix));
    return findings.every((f) => f.info || (f.done !== undefined && !/failed/.test(f.done))) ? 0 : 1;
  },
};

// finit-pods import: Infix's Hybrid mode scripts (podman-service, cni lines) as unit files.

import { parseArgs } from 'node:util';
import { runImport } from '../../import/write.js';
import { type Command, err, out } from '../command.js';
import { syncConfig } from '../config.js';

export const importCommand: Command = {
  summary: "turn Infix's podman-service and cni lines (the /cfg/start.d/*.sh Hybrid mode scripts) into units",
  help: `Usage: finit-pods import [--dry-run] [--units-dir DIR] [SCRIPT...]

Reads the "Hybrid mode" scripts (default: every /cfg/start.d/*.sh) as sh would, without running
them, and writes one unit per line it can convert:
  podman-service [-e] [-d DESC] [-n NAME] [-p "ARGS"] IMAGE [CMD...]  → NAME.container
  cni [-f] create host NAME IFNAME IPADDR/PREFIX                      → NAME.network ([HostDevice])
Each podman run option in ARGS becomes its Quadlet key (--publish → PublishPort=, --net=a,b →
Network=a, Network=b, a network the scripts' cni lines create → Network=NAME.network, ...) or
PodmanArgs=. An existing file is never overwritten. Every line not converted is printed as
FILE:LINE with the reason; other shell lines are listed as not converted.

  --dry-run         print the units instead of writing them
  --units-dir DIR   where to write (env FINIT_PODS_UNITS_DIR, default /cfg/containers)
Exit status: 0 when every podman-service and cni line was converted (and written), 1 otherwise.
`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: { 'dry-run': { type: 'boolean' }, 'units-dir': { type: 'string' } },
      allowPositionals: true,
    });
    return runImport({
      scripts: positionals,
      unitsDir: syncConfig(values).unitsDir,
      dryRun: values['dry-run'] === true,
      out,
      err,
    });
  },
};

// finit-pods daemon: the Finit service that applies every change to the units directory.

import { parseArgs } from 'node:util';
import { podmanCli } from '../../apply/podman.js';
import { run } from '../../apply/run.js';
import { Daemon } from '../../daemon/daemon.js';
import { makeLogger } from '../../daemon/log.js';
import { UpdateSchedule } from '../../daemon/updates.js';
import { DEFAULT_UPDATE_TIMEOUT_MS } from '../../update/ready.js';
import { type Command, err, PATH_HELP } from '../command.js';
import { DAEMON_OPTIONS, syncConfig } from '../config.js';
import { bootStorage, reachFinit } from '../reach.js';
import { spanOption } from '../span.js';

export const daemonCommand: Command = {
  summary: 'watch the units directory and apply every change (run it as a Finit service)',
  help: `Usage: finit-pods daemon [--log-format text|json] [OPTIONS]

Applies the units directory at start, then on every change to it (create, edit, rename, move,
delete, symlink), coalesced so a burst of edits gives one apply and one "initctl reload"; every
30 s the files' identities are compared with the last apply's, to catch a missed event, and at
rest nothing else runs (no program is started). A unit that breaks keeps its running pod; a units directory that goes
away changes nothing until it is back. State: RUN_DIR/state.json; control: RUN_DIR/control.sock
("finit-pods sync" and "finit-pods status" use it while the daemon runs).

  --log-format F    text (default; one line per event, for syslog through Finit's log) or json
  --auto-update SPAN  run "finit-pods auto-update" every SPAN (24h, 6h, 30min; env
                    FINIT_PODS_AUTO_UPDATE); off by default. An update a power cut interrupted
                    is settled at start in any case; a run that could not check or update a pod
                    is tried again sooner, from 1 min doubling up to SPAN
  --update-timeout SPAN  how long an updated pod has to become healthy before it is rolled back
                    (env FINIT_PODS_UPDATE_TIMEOUT, default 2min)
${PATH_HELP}`,
  async run(args) {
    const { values } = parseArgs({ args, options: DAEMON_OPTIONS });
    const format = values['log-format'] ?? 'text';
    if (format !== 'text' && format !== 'json') {
      err('finit-pods daemon: --log-format is text or json\n');
      return 2;
    }
    const cfg = syncConfig(values);
    const every = spanOption(values, 'auto-update', 'FINIT_PODS_AUTO_UPDATE');
    const timeout = spanOption(values, 'update-timeout', 'FINIT_PODS_UPDATE_TIMEOUT');
    for (const e of [every, timeout])
      if (e instanceof Error) {
        err(`finit-pods daemon: ${e.message}\n`);
        return 2;
      }
    const finit = reachFinit('daemon');
    if (!finit) return 1;
    const log = makeLogger(format);
    const updates = new UpdateSchedule(
      {
        unitsDir: cfg.unitsDir,
        runDir: cfg.runDir,
        stateDir: cfg.stateDir!,
        timeoutMs: (timeout as number | undefined) ?? DEFAULT_UPDATE_TIMEOUT_MS,
      },
      { finit, podman: podmanCli(cfg.podman, run), log },
      every as number | undefined,
    );
    const d = new Daemon(cfg, { log, finit, exec: run, storage: () => bootStorage(cfg.podman), updates });
    await d.start();
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        log.info(`${sig}: stopping (pods keep running)`);
        void d.stop().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};

// finit-pods show: a unit merged with its drop-ins, its stanza, and its podman command.

import { parseArgs } from 'node:util';
import { findInitctl, initctlFinit } from '../../apply/finit.js';
import { show } from '../../inspect/show.js';
import { finitCaps } from '../../render/finit.js';
import { type Command, err, out, PATH_HELP } from '../command.js';
import { PATH_OPTIONS, syncConfig } from '../config.js';

export const showCommand: Command = {
  summary: 'show a unit merged with its drop-ins, its stanza, and the podman command to try by hand',
  help: `Usage: finit-pods show [OPTIONS] NAME

NAME is a pod name or a unit file name. Prints the unit as merged with its drop-ins (with where
each line came from), the Finit stanza that runs it, and the podman command line (detached, -d)
ready to paste into a shell.
${PATH_HELP}`,
  async run(args) {
    const { values, positionals } = parseArgs({ args, options: PATH_OPTIONS, allowPositionals: true });
    if (positionals.length !== 1) {
      err(`finit-pods show: name one pod or unit\n\n${this.help}`);
      return 2;
    }
    const cfg = syncConfig(values);
    // show works without Finit: the stanza is then the one for the newest Finit, run by /sbin/initctl
    const initctl = findInitctl();
    const version = initctl
      ? await initctlFinit(initctl)
          .version()
          .catch(() => '4.17')
      : '4.17';
    const r = show(cfg, positionals[0]!, finitCaps(version), initctl ?? '/sbin/initctl');
    (r.found ? out : err)(r.text);
    return r.found ? 0 : 1;
  },
};

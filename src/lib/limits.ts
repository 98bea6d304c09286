// The sizes finit-pods accepts, in one place: every limit is checked where input enters (a unit
// file, a drop-in, a value, a podman command, a control-socket line) and refused with a message
// naming it, so nothing from a unit can grow a process or fail later where no file is named.

/** A unit file or drop-in: Quadlet files are a few hundred bytes; anything near this is not one. */
export const MAX_UNIT_BYTES = 64 * 1024;
/** Drop-in files merged into one unit. */
export const MAX_DROPINS = 64;
/** A key's name: systemd's and Quadlet's are under 40 characters. */
export const MAX_KEY_LENGTH = 256;
/** One value (Key=Value): Linux refuses a single program argument over 128 KiB. */
export const MAX_VALUE_BYTES = 16 * 1024;
/** Arguments of one podman command (the runner holds them all as sh positional parameters). */
export const MAX_ARGS = 2048;
/** All arguments of one podman command together: well under Linux's ARG_MAX (2 MiB). */
export const MAX_ARGV_BYTES = 256 * 1024;
/** One request line on the daemon's control socket. */
export const MAX_CONTROL_LINE = 64 * 1024;
/** A state file of finit-pods' own in the run dir (state.json, resources.json). */
export const MAX_STATE_BYTES = 16 * 1024 * 1024;

export const kib = (n: number) => `${n / 1024} KiB`;

/** Why a command line is too big to run (MAX_ARGS, MAX_ARGV_BYTES), or undefined. */
export function argvTooBig(argv: readonly string[]): string | undefined {
  if (argv.length > MAX_ARGS) return `${argv.length} arguments; at most ${MAX_ARGS}`;
  let bytes = 0;
  for (const a of argv) bytes += Buffer.byteLength(a) + 1;
  return bytes > MAX_ARGV_BYTES ? `${bytes} bytes of arguments; at most ${kib(MAX_ARGV_BYTES)}` : undefined;
}

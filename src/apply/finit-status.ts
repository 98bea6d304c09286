// Reading Finit's view of its services: `initctl -j status` where it exists (4.4+), the text
// table (`initctl -p -t status`) on older versions, which gives no restart count, and one service
// by name (`initctl -b -p status NAME` before 4.4). The calls are the Finit adapter's (finit.ts:
// services()); this reads what they print, and what a state says of the service's process.

export interface FinitService {
  identity: string;
  status: string;
  pid: number;
  restarts?: number;
  uptime?: number;
}

export function parseStatusTable(text: string): FinitService[] {
  const out: FinitService[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+\[/.exec(line);
    if (m) out.push({ pid: Number(m[1]), identity: m[2]!, status: m[3]! });
  }
  return out;
}

export function parseStatusJson(text: string): FinitService[] {
  const rows = JSON.parse(text) as {
    identity: string;
    status: string;
    pid: number;
    restarts?: number;
    uptime?: number;
  }[];
  return rows.map((r) => ({
    identity: r.identity,
    status: r.status,
    pid: r.pid,
    ...(typeof r.restarts === 'number' ? { restarts: r.restarts } : {}),
    ...(typeof r.uptime === 'number' ? { uptime: r.uptime } : {}),
  }));
}

/** One service as `initctl -b -p status IDENT` shows it ("Status : running", "PID : 42", …). */
export function parseStatusDetail(text: string): FinitService | undefined {
  const field = (name: string) => new RegExp(`^\\s*${name}\\s*:\\s*(\\S+)`, 'm').exec(text)?.[1];
  const identity = field('Identity');
  const status = field('Status');
  if (!identity || !status) return undefined;
  const restarts = Number(field('Restarts'));
  return {
    identity,
    status,
    pid: Number(field('PID')) || 0,
    ...(Number.isInteger(restarts) ? { restarts } : {}),
  };
}

/**
 * Whether the service's process is there: running, or stopped (SIGSTOP) for a moment while a
 * condition it waits on is in flux, as on a reload: `paused`, and `waiting` with a PID before 4.4.
 */
export const hasProcess = (s: FinitService): boolean =>
  s.pid > 0 && (s.status === 'running' || s.status === 'paused' || s.status === 'waiting');

/**
 * A state Finit leaves by itself, with no runner starting or ending to tell the daemon: a
 * process that is there but not running (paused, starting, stopping).
 */
export const inPassing = (s: FinitService): boolean => s.pid > 0 && s.status !== 'running';

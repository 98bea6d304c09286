// Reading Finit's view of its services: `initctl -j status` where it exists (4.4+), the text
// table (`initctl -p -t status`) on older versions, which gives no restart count. The calls are
// the Finit adapter's (finit.ts: services()); this reads what they print.

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

// The control socket: a UNIX socket (mode 0600) speaking newline-delimited JSON. One request
// per line ({"cmd":"sync"} or {"cmd":"status"}), one JSON answer per line. A request line longer
// than MAX_CONTROL_LINE is refused and its connection closed: a client cannot grow the daemon.

import { chmodSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { MAX_CONTROL_LINE } from '../lib/limits.js';

/** Where the daemon listens. */
export const controlPath = (runDir: string) => `${runDir}/control.sock`;

export type ControlHandler = (req: { cmd: string }) => Promise<unknown>;

export async function listenControl(path: string, handle: ControlHandler): Promise<Server> {
  // A socket file left by a daemon that died is stale: remove it unless something answers.
  if (await ping(path)) throw new Error(`another finit-pods daemon answers on ${path}`);
  try {
    unlinkSync(path);
  } catch {
    // absent
  }
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let req: { cmd: string };
        try {
          req = JSON.parse(line) as { cmd: string };
        } catch {
          sock.write(`${JSON.stringify({ error: 'not JSON' })}\n`);
          continue;
        }
        if (typeof req !== 'object' || req === null || typeof req.cmd !== 'string') {
          sock.write(`${JSON.stringify({ error: 'a request is {"cmd": "..."}' })}\n`);
          continue;
        }
        handle(req).then(
          (r) => sock.write(`${JSON.stringify(r)}\n`),
          (e: unknown) =>
            sock.write(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`),
        );
      }
      if (buf.length > MAX_CONTROL_LINE) {
        buf = '';
        sock.removeAllListeners('data');
        sock.pause();
        sock.end(
          `${JSON.stringify({ error: `a request line is at most ${MAX_CONTROL_LINE} bytes` })}\n`,
          () => sock.destroy(),
        );
      }
    });
    sock.on('error', () => sock.destroy());
  });
  const old = process.umask(0o177); // the socket is created 0600, never briefly open to others
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(old);
  }
  chmodSync(path, 0o600);
  return server;
}

/** Sends one request and returns the answer; undefined when no daemon answers. */
export function request(path: string, req: { cmd: string }, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`the daemon did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        sock.end();
        try {
          resolve(JSON.parse(buf.slice(0, nl)));
        } catch (e) {
          reject(e);
        }
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') resolve(undefined);
      else reject(e);
    });
  });
}

export async function ping(path: string): Promise<boolean> {
  try {
    return (await request(path, { cmd: 'ping' }, 2000)) !== undefined;
  } catch {
    return false;
  }
}

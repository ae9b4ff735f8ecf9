// `inbox serve`: the dashboard on a loopback port until Ctrl-C.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Values } from '../args.js';
import { EXIT, CommandLineError, type CliIo } from '../io.js';
import { inboxDashboard } from '../../inbox/dashboard/node.js';
import type { InboxStore } from '../../inbox/types.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Whether a request's `Host` names this loopback server. A page of another site whose name its DNS
 * re-points at 127.0.0.1 (DNS rebinding) reaches a loopback port as a same-origin page, with its own
 * name in `Host`: refused, so it can neither read deliveries nor take the forms' token.
 */
function loopbackHost(header: string | undefined, bound: string): boolean {
  if (!header) return false;
  const name = header.toLowerCase().replace(/:\d*$/, '').replace(/^\[(.*)\]$/, '$1');
  return LOOPBACK.has(name) || name === bound || name.endsWith('.localhost');
}

function parsePort(value: unknown): number {
  if (value === undefined) return 3001;
  const port = Number(value);
  if (!/^\d+$/.test(String(value)) || port > 65_535) throw new CommandLineError(`inbox serve: --port must be a number from 0 to 65535 (got "${String(value)}")`);
  return port;
}

/**
 * Serves the dashboard over `store` on `--host` (default 127.0.0.1) and `--port` (default 3001)
 * until `io.waitForStop()`; prints the address first (JSON-free: one line).
 */
export async function serveDashboard(values: Values, store: InboxStore, io: CliIo): Promise<number> {
  const port = parsePort(values.port);
  const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
  const basePath = typeof values['base-path'] === 'string' ? values['base-path'].replace(/\/+$/, '') : '';
  if (basePath && !basePath.startsWith('/')) throw new CommandLineError('inbox serve: --base-path must start with "/"');
  const dashboard = inboxDashboard({ store, basePath, onError: (error) => io.stderr(`inbox serve: the store failed: ${(error as Error)?.message ?? String(error)}\n`) });
  const server = http.createServer((req, res) => {
    if (LOOPBACK.has(host) && !loopbackHost(req.headers.host, host)) {
      res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('This dashboard answers only to a loopback name (localhost, 127.0.0.1, [::1]).\n');
      return;
    }
    void dashboard(req, res);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr(`inbox serve: cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the port is in use (try --port 0)' : (error as Error).message}\n`);
    return EXIT.failure;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (!LOOPBACK.has(host)) io.stderr(`inbox serve: warning: ${host} is not loopback, and the dashboard has no authentication: anyone who reaches it can read deliveries and replay them\n`);
  io.stdout(`inbox dashboard on http://${shownHost}:${address.port}${basePath}/ ; Ctrl-C to stop\n`);
  await io.waitForStop();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return EXIT.ok;
}

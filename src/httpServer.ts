// The HTTP server around the app: our timeouts instead of Node's defaults, and listen
// errors turned into a message that says what to change.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Settings } from './settings.ts';

type Timeouts = Pick<Settings, 'HEADERS_TIMEOUT_MS' | 'REQUEST_TIMEOUT_MS' | 'KEEP_ALIVE_TIMEOUT_MS'>;

export function createHttpServer(app: Express, settings: Timeouts): Server {
  const headers = settings.HEADERS_TIMEOUT_MS;
  const server = createServer(
    {
      headersTimeout: headers,
      requestTimeout: settings.REQUEST_TIMEOUT_MS,
      // Node checks both timeouts above only this often (30 s by default), so a 20 s
      // headers timeout would really be up to 50 s: check a few times per headers timeout.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(headers / 4))),
    },
    app,
  );
  server.keepAliveTimeout = settings.KEEP_ALIVE_TIMEOUT_MS;
  return server;
}

export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** What to tell the person starting the server when it cannot listen. */
export function listenErrorMessage(err: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `Cannot listen on ${host}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `${where}: port ${port} is in use; set PORT to a free port (or stop the program that holds it).`;
    case 'EACCES':
      return `${where}: permission denied (ports below 1024 need administrator rights); set PORT to 1024 or above.`;
    case 'EADDRNOTAVAIL':
      return `${where}: ${host} is not an address of this machine; set HOST (127.0.0.1 for this machine only, 0.0.0.0 for every interface).`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${where}: the host name ${host} cannot be resolved; set HOST to an address of this machine (127.0.0.1, or 0.0.0.0 for every interface).`;
    default:
      return `${where}: ${err.message}`;
  }
}

/** Listens; resolves with the port (the one chosen when PORT=0), or rejects with a ListenError. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(new ListenError(listenErrorMessage(err, host, port), err.code));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

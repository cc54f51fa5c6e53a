// Runs the example ML backend: `npm run ml-backend` (or `npx tsx examples/ml-backend/server.ts`).
// Settings from the environment: PORT (9090; 0 picks a free one), HOST (127.0.0.1),
// MODEL_DIR (where trained models are kept; none: in memory only).
import type { AddressInfo } from 'node:net';
import { createBackend } from './backend.ts';

const port = Number(process.env.PORT ?? 9090);
const host = process.env.HOST || '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT=${process.env.PORT} is not a port number`);
  process.exit(2);
}

const server = createBackend({ ...(process.env.MODEL_DIR && { modelDir: process.env.MODEL_DIR }) });
server.on('error', (err: NodeJS.ErrnoException) => {
  console.error(`Cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? `port ${port} is in use; set PORT to a free port` : err.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
  const { port: actual } = server.address() as AddressInfo;
  const where = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  console.log(`ML backend listening on ${where}`);
  console.log(`Connect it: curl -X POST localhost:8080/api/models -H 'Content-Type: application/json' -d '{"name": "nb", "url": "${where}"}'`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

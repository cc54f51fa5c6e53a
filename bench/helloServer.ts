// The Express hello-world that bench/health-vs-hello.ts compares our server with: the same
// Express, one route, nothing else. Prints "listening on <url>" like our server on PORT=0.
import express from 'express';

const app = express();
app.get('/api/health', (_req, res) => {
  res.json({ status: 'up' });
});
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

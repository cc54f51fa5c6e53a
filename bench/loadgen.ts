// A small HTTP/1.1 load generator for bench/health-vs-hello.ts: `connections` keep-alive
// sockets, each sending one GET at a time and the next when the answer is complete. It
// speaks raw HTTP over net sockets instead of going through http.Agent, so that on a
// two-core machine the client spends as little CPU as it can and the server stays the
// bottleneck. It expects answers with a Content-Length (both servers benched send one).
// Usage: node --import tsx bench/loadgen.ts <url> <connections> <seconds>
// Prints one JSON line: {"requests", "seconds", "rps", "errors", "non2xx"}.
import { connect, type Socket } from 'node:net';

const url = new URL(process.argv[2] ?? 'http://127.0.0.1:8080/api/health');
const connections = Number(process.argv[3] ?? 32);
const seconds = Number(process.argv[4] ?? 5);

const request = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`);
let requests = 0;
let errors = 0;
let non2xx = 0;
let running = true;
const sockets: Socket[] = [];

function open(): void {
  const socket = connect(Number(url.port), url.hostname);
  socket.setNoDelay(true);
  sockets.push(socket);
  let buf: Buffer = Buffer.alloc(0);
  socket.on('connect', () => socket.write(request));
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    // Several answers may arrive in one chunk only if pipelined, which we never do, but a
    // single answer may come in pieces: wait for its head, then for its whole body.
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.toString('latin1', 0, end);
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const total = end + 4 + (m ? Number(m[1]) : 0);
      if (buf.length < total) return;
      const status = Number(head.slice(9, 12));
      if (status < 200 || status > 299) non2xx++;
      requests++;
      buf = buf.subarray(total);
      if (running) socket.write(request);
      if (buf.length === 0) return;
    }
  });
  socket.on('error', () => {
    errors++;
  });
  socket.on('close', () => {
    if (running) open();
  });
}

const t0 = performance.now();
for (let i = 0; i < connections; i++) open();
setTimeout(() => {
  running = false;
  const elapsed = (performance.now() - t0) / 1000;
  for (const s of sockets) s.destroy();
  console.log(JSON.stringify({ requests, seconds: elapsed, rps: requests / elapsed, errors, non2xx }));
}, seconds * 1000);

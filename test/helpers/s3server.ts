// A real S3-protocol server for tests: s3rver (from npm) on 127.0.0.1, a free port, a
// temporary folder. Every request it serves is logged (method and path), so tests count
// what a sync cost; stop() cuts it off mid-request, start() brings it back on the same port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** s3rver's built-in key pair. */
export const S3_KEYS = { aws_access_key_id: 'S3RVER', aws_secret_access_key: 'S3RVER' };

export interface S3TestServer {
  url: string;
  /** "GET /bucket/key?query" of every request served since the last reset. */
  requests: string[];
  /** Requests that read one object (GET of a key, not a listing). */
  objectGets(bucket: string): string[];
  listings(bucket: string): string[];
  put(bucket: string, key: string, body: string | Buffer): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(bucket: string, key: string): Promise<Buffer | undefined>;
  remove(bucket: string, key: string): Promise<void>;
  /** Called on each request (after it is logged); tests stop the server from here. */
  onRequest?: (line: string) => void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const pathOf = (line: string) => new URL(line.split(' ')[1]!, 'http://x').pathname;

export async function startS3(buckets: string[]): Promise<S3TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'ls-s3-'));
  let port = 0;
  let server: S3rver | undefined;
  const t: S3TestServer = {
    url: '',
    requests: [],
    objectGets: (bucket) => t.requests.filter((r) => r.startsWith('GET ') && !['', '/'].includes(pathOf(r).slice(bucket.length + 1)) && pathOf(r).startsWith(`/${bucket}/`)),
    listings: (bucket) => t.requests.filter((r) => r.startsWith('GET ') && [`/${bucket}`, `/${bucket}/`].includes(pathOf(r))),
    async put(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async get(bucket, key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (err) {
        if ((err as Error).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    async remove(bucket, key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async start() {
      server = new S3rver({ port, address: '127.0.0.1', directory: dir, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
      port = (await server.run()).port;
      t.url = `http://127.0.0.1:${port}`;
      server.httpServer!.on('request', (req) => {
        const line = `${req.method} ${req.url}`;
        t.requests.push(line);
        t.onRequest?.(line);
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.httpServer!.closeAllConnections();
      await s.close().catch(() => {});
      s.httpServer!.closeAllConnections();
    },
    async close() {
      await t.stop();
      client.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await t.start();
  const client = new S3Client({ region: 'us-east-1', endpoint: t.url, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return t;
}

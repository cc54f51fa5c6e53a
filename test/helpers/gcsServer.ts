// The smallest server speaking the part of the Google Cloud Storage JSON API that
// @google-cloud/storage uses for our storages (no GCS emulator installs from npm): bucket
// metadata, listing with prefix and pages, object metadata and media, simple multipart
// upload, delete. Objects live in memory. It checks no credentials and no signatures (the
// client sends none to a custom endpoint); signed URLs are checked for their form only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GcsTestServer {
  url: string;
  objects: Map<string, Buffer>;
  /** "GET /storage/v1/b/..." of every request served. */
  requests: string[];
  /** Requests that read one object's bytes. */
  mediaGets(): string[];
  close(): Promise<void>;
}

const PAGE = 2; // small pages, so that paging is exercised

export async function startGcs(buckets: string[]): Promise<GcsTestServer> {
  const objects = new Map<string, Buffer>(); // "bucket/name" → bytes
  const requests: string[] = [];
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const meta = (bucket: string, name: string) => ({ kind: 'storage#object', bucket, name, size: String(objects.get(`${bucket}/${name}`)!.length), generation: '1' });
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url!, 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const notFound = () => json(res, 404, { error: { code: 404, message: 'Not Found' } });
    let m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (m && req.method === 'POST') {
      // multipart/related: a JSON part (the metadata, with the name) and the content.
      const boundary = /boundary="?([^";]+)"?/.exec(String(req.headers['content-type']))![1]!;
      const parts = body.toString('latin1').split(`--${boundary}`).slice(1, -1);
      const part = (p: string) => p.slice(p.indexOf('\r\n\r\n') + 4, -2);
      const name = url.searchParams.get('name') ?? (JSON.parse(part(parts[0]!)) as { name: string }).name;
      objects.set(`${m[1]}/${name}`, Buffer.from(part(parts[1]!), 'latin1'));
      return json(res, 200, meta(m[1]!, name));
    }
    m = /^\/storage\/v1\/b\/([^/]+)(?:\/o(?:\/(.+))?)?$/.exec(url.pathname);
    if (!m || !buckets.includes(m[1]!)) return notFound();
    const [, bucket, rawName] = m;
    if (url.pathname === `/storage/v1/b/${bucket}`) return json(res, 200, { kind: 'storage#bucket', name: bucket });
    if (rawName === undefined) {
      const prefix = url.searchParams.get('prefix') ?? '';
      const names = [...objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket!.length + 1)).sort();
      const start = Number(url.searchParams.get('pageToken') ?? 0);
      const page = names.slice(start, start + PAGE);
      return json(res, 200, { kind: 'storage#objects', items: page.map((n) => meta(bucket!, n)), ...(start + PAGE < names.length && { nextPageToken: String(start + PAGE) }) });
    }
    const name = decodeURIComponent(rawName);
    const bytes = objects.get(`${bucket}/${name}`);
    if (req.method === 'DELETE') {
      if (!bytes) return notFound();
      objects.delete(`${bucket}/${name}`);
      return res.writeHead(204).end();
    }
    if (!bytes) return notFound();
    if (url.searchParams.get('alt') === 'media') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
    return json(res, 200, meta(bucket!, name));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    requests,
    mediaGets: () => requests.filter((r) => r.startsWith('GET ') && r.includes('alt=media')),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

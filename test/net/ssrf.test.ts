// SSRF: URL imports and exports fetch only from public addresses unless FETCH_ALLOW lists
// the host or its range. An "internal" server on 127.0.0.1 stands for everything a client
// must not reach through us (the server's own API, a neighbour, a metadata service): it
// counts its requests, and every refused case checks that it got none, that the project
// is unchanged and that the answer says what was refused and how to allow it. A second
// server on 127.0.0.1 ("front") redirects, standing for a public host that sends the
// fetch on to an internal address; it is reached as "localhost" and allowed by that name.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/net/addresses.ts';
import { fetchOutbound, guardedLookup, OutboundRefused, type Resolver } from '../../src/net/outbound.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { expectUnchanged, snapshot } from '../http/support.ts';
import { exportZip } from '../exporters/golden.ts';
import { completed, projectWith, RECT_XML, rectResult } from '../exporters/smallProject.ts';
import { storedTasks } from '../importers/support.ts';

const SECRET_TASKS = '[{"text": "internal secret"}]';
const SECRET_PNG = (() => {
  const img = new PNG({ width: 4, height: 3 });
  img.data.fill(200);
  return PNG.sync.write(img);
})();

interface Listening {
  server: Server;
  port: number;
  hits: string[];
}

async function listen(handler: (path: string, res: import('node:http').ServerResponse) => void): Promise<Listening> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req.url ?? '/', res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

let secret: Listening;
let front: Listening;
beforeAll(async () => {
  secret = await listen((path, res) => {
    if (path === '/tasks.json') res.writeHead(200, { 'content-type': 'application/json' }).end(SECRET_TASKS);
    else if (path === '/img.png') res.writeHead(200, { 'content-type': 'image/png' }).end(SECRET_PNG);
    else res.writeHead(404).end();
  });
  front = await listen((path, res) => {
    const u = new URL(path, 'http://x');
    if (u.pathname === '/go') res.writeHead(302, { location: u.searchParams.get('to')! }).end();
    else if (u.pathname === '/loop') res.writeHead(302, { location: '/loop' }).end();
    else res.writeHead(404).end();
  });
});
afterAll(async () => {
  for (const l of [secret, front]) {
    l.server.closeAllConnections();
    await new Promise((r) => l.server.close(r));
  }
});

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
  secret.hits.length = 0;
  front.hits.length = 0;
});

async function app(settings: Parameters<typeof makeTestApp>[0] = {}): Promise<TestApp> {
  const t = await makeTestApp(settings);
  apps.push(t);
  return t;
}

const S = () => secret.port;
const F = () => front.port;
const via = (to: string) => `http://localhost:${F()}/go?to=${encodeURIComponent(to)}`;
const asked = (url: string) => new URL(url).href;

interface RefusedImport {
  name: string;
  url: () => string;
  allow?: string;
  message: () => string;
  /** Requests the front server gets (redirect cases). */
  frontHits?: number;
}

const refused = (url: string, why: string, allowWith: string) => `Refused to fetch ${asked(url)}: ${why}; set FETCH_ALLOW=${allowWith} to allow it`;

const REFUSED_IMPORTS: RefusedImport[] = [
  { name: 'a loopback address', url: () => `http://127.0.0.1:${S()}/tasks.json`, message: () => refused(`http://127.0.0.1:${S()}/tasks.json`, '127.0.0.1 is a loopback address', '127.0.0.1') },
  { name: 'another loopback address', url: () => `http://127.9.9.9:${S()}/tasks.json`, message: () => refused(`http://127.9.9.9:${S()}/tasks.json`, '127.9.9.9 is a loopback address', '127.9.9.9') },
  { name: 'a name that resolves to loopback (localhost)', url: () => `http://localhost:${S()}/tasks.json`, message: () => refused(`http://localhost:${S()}/tasks.json`, 'localhost resolves to a loopback address', 'localhost') },
  { name: 'IPv6 loopback', url: () => `http://[::1]:${S()}/tasks.json`, message: () => refused(`http://[::1]:${S()}/tasks.json`, '::1 is a loopback address', '::1') },
  {
    name: 'IPv4-mapped IPv6 [::ffff:127.0.0.1]',
    url: () => `http://[::ffff:127.0.0.1]:${S()}/tasks.json`,
    message: () => refused(`http://[::ffff:7f00:1]:${S()}/tasks.json`, '::ffff:7f00:1 is a loopback address (IPv4-mapped 127.0.0.1)', '127.0.0.1'),
  },
  {
    name: 'IPv4-mapped IPv6 in hex [::ffff:7f00:1]',
    url: () => `http://[::ffff:7f00:1]:${S()}/tasks.json`,
    message: () => refused(`http://[::ffff:7f00:1]:${S()}/tasks.json`, '::ffff:7f00:1 is a loopback address (IPv4-mapped 127.0.0.1)', '127.0.0.1'),
  },
  {
    name: 'IPv4-compatible IPv6 [::127.0.0.1]',
    url: () => `http://[::127.0.0.1]:${S()}/tasks.json`,
    message: () => refused(`http://[::7f00:1]:${S()}/tasks.json`, '::7f00:1 is a loopback address (IPv4-compatible 127.0.0.1)', '::7f00:1'),
  },
  {
    name: 'NAT64 of a private address [64:ff9b::10.0.0.1]',
    url: () => `http://[64:ff9b::10.0.0.1]/tasks.json`,
    message: () => refused('http://[64:ff9b::a00:1]/tasks.json', '64:ff9b::a00:1 is a private address (NAT64 10.0.0.1)', '64:ff9b::a00:1'),
  },
  // The WHATWG URL parser reads the numeric host forms as 127.0.0.1; refused as that.
  ...['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '0x7f.0.0.1', '0x7f.1', '127.0.0.1.', '%31%32%37.0.0.1'].map(
    (host): RefusedImport => ({
      name: `the numeric form ${host}`,
      url: () => `http://${host}:${S()}/tasks.json`,
      message: () => refused(`http://127.0.0.1:${S()}/tasks.json`, '127.0.0.1 is a loopback address', '127.0.0.1'),
    }),
  ),
  { name: 'the unspecified address 0.0.0.0 (reaches this host)', url: () => `http://0.0.0.0:${S()}/tasks.json`, message: () => refused(`http://0.0.0.0:${S()}/tasks.json`, '0.0.0.0 is an unspecified address', '0.0.0.0') },
  { name: 'the unspecified address as 0', url: () => `http://0:${S()}/tasks.json`, message: () => refused(`http://0.0.0.0:${S()}/tasks.json`, '0.0.0.0 is an unspecified address', '0.0.0.0') },
  {
    name: 'the cloud metadata service',
    url: () => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    message: () => refused('http://169.254.169.254/latest/meta-data/iam/security-credentials/', '169.254.169.254 is a link-local address', '169.254.169.254'),
  },
  { name: 'a private address', url: () => 'http://10.20.30.40/tasks.json', message: () => refused('http://10.20.30.40/tasks.json', '10.20.30.40 is a private address', '10.20.30.40') },
  { name: 'a private address (192.168/16)', url: () => 'http://192.168.0.10:8080/tasks.json', message: () => refused('http://192.168.0.10:8080/tasks.json', '192.168.0.10 is a private address', '192.168.0.10') },
  { name: 'a carrier-grade NAT address', url: () => 'http://100.100.100.200/tasks.json', message: () => refused('http://100.100.100.200/tasks.json', '100.100.100.200 is a shared (carrier-grade NAT) address', '100.100.100.200') },
  { name: 'a unique-local IPv6 address', url: () => 'http://[fd00::1]/tasks.json', message: () => refused('http://[fd00::1]/tasks.json', 'fd00::1 is a unique-local address', 'fd00::1') },
  { name: 'a link-local IPv6 address', url: () => 'http://[fe80::1]/tasks.json', message: () => refused('http://[fe80::1]/tasks.json', 'fe80::1 is a link-local address', 'fe80::1') },
  { name: 'a multicast address', url: () => 'http://224.0.0.1/tasks.json', message: () => refused('http://224.0.0.1/tasks.json', '224.0.0.1 is a multicast address', '224.0.0.1') },
  { name: 'the broadcast address', url: () => 'http://255.255.255.255/tasks.json', message: () => refused('http://255.255.255.255/tasks.json', '255.255.255.255 is a broadcast address', '255.255.255.255') },
  {
    name: 'a redirect from an allowed host to a loopback address',
    allow: 'localhost',
    url: () => via(`http://127.0.0.1:${S()}/tasks.json`),
    message: () =>
      `Refused to fetch ${asked(via(`http://127.0.0.1:${S()}/tasks.json`))} (redirected to http://127.0.0.1:${S()}/tasks.json): 127.0.0.1 is a loopback address; set FETCH_ALLOW=127.0.0.1 to allow it`,
    frontHits: 1,
  },
  {
    name: 'a redirect from an allowed host to a numeric form of loopback (127.1)',
    allow: 'localhost',
    url: () => via(`http://127.1:${S()}/tasks.json`),
    message: () =>
      `Refused to fetch ${asked(via(`http://127.1:${S()}/tasks.json`))} (redirected to http://127.0.0.1:${S()}/tasks.json): 127.0.0.1 is a loopback address; set FETCH_ALLOW=127.0.0.1 to allow it`,
    frontHits: 1,
  },
  {
    name: 'a redirect to the metadata service',
    allow: 'localhost',
    url: () => via('http://169.254.169.254/latest/meta-data/'),
    message: () => `Refused to fetch ${asked(via('http://169.254.169.254/latest/meta-data/'))} (redirected to http://169.254.169.254/latest/meta-data/): 169.254.169.254 is a link-local address; set FETCH_ALLOW=169.254.169.254 to allow it`,
    frontHits: 1,
  },
  {
    name: 'a redirect to a file: URL',
    allow: 'localhost',
    url: () => via('file:///etc/passwd'),
    message: () => `Refused to fetch ${asked(via('file:///etc/passwd'))}: it redirects to file:///etc/passwd, which is not an http or https URL`,
    frontHits: 1,
  },
  {
    name: 'more than 5 redirects',
    allow: 'localhost',
    url: () => `http://localhost:${F()}/loop`,
    message: () => `Download of http://localhost:${F()}/loop failed: more than 5 redirects`,
    frontHits: 6,
  },
];

describe('URL import refuses addresses that are not public', () => {
  it.each(REFUSED_IMPORTS)('$name: 400 saying why, nothing fetched, nothing stored', async (c) => {
    const t = await app(c.allow ? { FETCH_ALLOW: c.allow } : {});
    const before = await snapshot(t);
    const res = await request(t.app).post('/api/project/import').type('form').send({ url: c.url() });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors).toEqual([c.message()]);
    expect(secret.hits, 'requests that reached the internal server').toEqual([]);
    expect(front.hits).toHaveLength(c.frontHits ?? 0);
    expect((await storedTasks(t))).toEqual([]);
    await expectUnchanged(t, before, c.name);
  });

  it('the multipart url field is guarded the same way', async () => {
    const t = await app();
    const before = await snapshot(t);
    const res = await request(t.app).post('/api/project/import').field('url', `http://2130706433:${S()}/tasks.json`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([refused(`http://127.0.0.1:${S()}/tasks.json`, '127.0.0.1 is a loopback address', '127.0.0.1')]);
    expect(secret.hits).toEqual([]);
    await expectUnchanged(t, before, 'multipart url');
  });
});

describe('FETCH_ALLOW lets listed hosts and ranges through', () => {
  it.each([
    { name: 'an address', allow: '127.0.0.1', url: () => `http://127.0.0.1:${S()}/tasks.json` },
    { name: 'a host name (whatever it resolves to)', allow: 'localhost', url: () => `http://localhost:${S()}/tasks.json` },
    { name: 'a CIDR range, reached by a numeric form', allow: '127.0.0.0/8', url: () => `http://2130706433:${S()}/tasks.json` },
    { name: 'a range, reached by a name that resolves into it', allow: '10.0.0.0/8, 127.0.0.0/8', url: () => `http://localhost:${S()}/tasks.json` },
    { name: 'a redirect whose every hop is allowed', allow: 'localhost,127.0.0.1', url: () => via(`http://127.0.0.1:${S()}/tasks.json`) },
  ])('$name: FETCH_ALLOW=$allow imports', async (c) => {
    const t = await app({ FETCH_ALLOW: c.allow });
    const res = await request(t.app).post('/api/project/import').type('form').send({ url: c.url() });
    expect(res.status, res.text).toBe(201);
    expect(res.body.task_count).toBe(1);
    expect((await storedTasks(t))).toEqual([{ id: 0, data: { text: 'internal secret' } }]);
    expect(secret.hits).toEqual(['/tasks.json']);
  });

  it('an allowed name does not allow the address it resolves to under another name', async () => {
    const t = await app({ FETCH_ALLOW: 'localhost' });
    const res = await request(t.app).post('/api/project/import').type('form').send({ url: `http://127.0.0.1:${S()}/tasks.json` });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([refused(`http://127.0.0.1:${S()}/tasks.json`, '127.0.0.1 is a loopback address', '127.0.0.1')]);
    expect(secret.hits).toEqual([]);
    expect((await storedTasks(t))).toEqual([]);
  });
});

describe('exports do not fetch remote images from addresses that are not public', () => {
  const exportCases = [
    { name: 'a loopback URL', image: () => `http://127.0.0.1:${S()}/img.png`, frontHits: 0 },
    { name: 'a numeric form of loopback', image: () => `http://2130706433:${S()}/img.png`, frontHits: 0 },
    { name: 'localhost', image: () => `http://localhost:${S()}/img.png`, frontHits: 0 },
    { name: 'IPv4-mapped loopback', image: () => `http://[::ffff:127.0.0.1]:${S()}/img.png`, frontHits: 0 },
    { name: 'a redirect from an allowed host to loopback', allow: 'localhost', image: () => via(`http://127.0.0.1:${S()}/img.png`), frontHits: 1 },
  ];

  it.each(exportCases)('$name: the URL is kept, nothing fetched, the internal image is not in the zip', async (c) => {
    const url = c.image();
    const t = await projectWith(RECT_XML, [{ id: 0, data: { image: url }, completions: completed(0, rectResult()) }], { settings: { FETCH_ALLOW: c.allow ?? '' } });
    apps.push(t);
    const before = await snapshot(t);
    const zip = await exportZip(t, 'COCO');
    const coco = JSON.parse(zip.files.get('result.json')!.toString());
    expect(coco.images.map((i: { file_name: string }) => i.file_name)).toEqual([url]);
    expect(zip.entries.filter((e) => e.startsWith('images/') && e !== 'images/')).toEqual([]);
    for (const [name, bytes] of zip.files) expect(bytes.equals(SECRET_PNG), name).toBe(false);
    expect(secret.hits).toEqual([]);
    expect(front.hits).toHaveLength(c.frontHits);
    await expectUnchanged(t, before, c.name);
  });

  it('an allowed address is fetched into the zip', async () => {
    const url = `http://127.0.0.1:${S()}/img.png`;
    const t = await projectWith(RECT_XML, [{ id: 0, data: { image: url }, completions: completed(0, rectResult()) }], { settings: { FETCH_ALLOW: '127.0.0.1' } });
    apps.push(t);
    const zip = await exportZip(t, 'COCO');
    const coco = JSON.parse(zip.files.get('result.json')!.toString());
    const [image] = coco.images as { file_name: string }[];
    expect(image!.file_name).toMatch(/^images\/[0-9a-f]{32}$/); // md5 of the URL, as the reference named it
    expect(zip.files.get(image!.file_name)!.equals(SECRET_PNG)).toBe(true);
    expect(secret.hits).toEqual(['/img.png']);
  });
});

describe('the check is on the address connected to', () => {
  /**
   * A resolver playing a rebinding DNS server for "rebind.test": it answers `first` once,
   * then `later` to every other question. Each connection asks it once (the guard sits in
   * the connection's own lookup), so the second connection gets `later`.
   */
  function rebinding(first: string, later: string): Resolver & { calls: string[] } {
    const calls: string[] = [];
    const resolver = ((hostname, _options, callback) => {
      const address = calls.length === 0 ? first : later;
      calls.push(`${hostname} -> ${address}`);
      callback(null, [{ address, family: 4 }]);
    }) as Resolver & { calls: string[] };
    resolver.calls = calls;
    return resolver;
  }
  // 127.0.0.1 stands for the public address the name first gives (allowed here), 127.0.0.2
  // for the internal one it turns into (refused: it is not in the list).
  const allow = parseAllowList('127.0.0.1');

  it('one lookup per connection, and the answer checked is the address connected to', async () => {
    const resolve = rebinding('127.0.0.1', '127.0.0.2');
    const res = await fetchOutbound(`http://rebind.test:${S()}/tasks.json`, { allow, resolve });
    let body = '';
    for await (const chunk of res.body) body += chunk;
    expect(body).toBe(SECRET_TASKS);
    expect(res.remoteAddress).toBe('127.0.0.1');
    // No second lookup that a rebinding server could answer differently.
    expect(resolve.calls).toEqual(['rebind.test -> 127.0.0.1']);
  });

  it('a name that turns internal between two hops is refused on the second', async () => {
    const resolve = rebinding('127.0.0.1', '127.0.0.2');
    // The front server redirects to the same name: the second connection resolves it again.
    const url = `http://rebind.test:${F()}/go?to=${encodeURIComponent(`http://rebind.test:${S()}/tasks.json`)}`;
    const err = await fetchOutbound(url, { allow, resolve }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundRefused);
    expect((err as Error).message).toBe(
      `Refused to fetch ${asked(url)} (redirected to http://rebind.test:${S()}/tasks.json): rebind.test resolves to a loopback address; set FETCH_ALLOW=rebind.test to allow it`,
    );
    expect(resolve.calls).toEqual(['rebind.test -> 127.0.0.1', 'rebind.test -> 127.0.0.2']);
    expect(front.hits).toHaveLength(1);
    expect(secret.hits).toEqual([]);
  });

  it('of the addresses a name answers, the lookup hands the connection only those allowed', async () => {
    const resolve: Resolver = (_hostname, _options, callback) =>
      callback(null, [
        { address: '127.0.0.2', family: 4 },
        { address: '8.8.8.8', family: 4 },
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ]);
    const refuse = (host: string) => new OutboundRefused(host);
    const lookup = guardedLookup(resolve, allow, refuse);
    const all = await new Promise((ok, fail) => lookup('mixed.test', { all: true }, (err, addresses) => (err ? fail(err) : ok(addresses))));
    expect(all).toEqual([
      { address: '8.8.8.8', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    const one = await new Promise((ok, fail) => lookup('mixed.test', {}, (err, address, family) => (err ? fail(err) : ok([address, family]))));
    expect(one).toEqual(['8.8.8.8', 4]);
    const none = guardedLookup((_h, _o, cb) => cb(null, [{ address: '10.0.0.1', family: 4 }]), allow, refuse);
    const err = await new Promise((ok) => none('inside.test', { all: true }, (e) => ok(e)));
    expect(err).toEqual(new OutboundRefused('inside.test'));
  });

  it('an IP literal is checked without a lookup', async () => {
    const resolve = rebinding('127.0.0.1', '127.0.0.1');
    const err = await fetchOutbound(`http://127.0.0.2:${S()}/tasks.json`, { allow, resolve }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundRefused);
    expect((err as Error).message).toBe(refused(`http://127.0.0.2:${S()}/tasks.json`, '127.0.0.2 is a loopback address', '127.0.0.2'));
    expect(resolve.calls).toEqual([]);
    expect(secret.hits).toEqual([]);
  });
});

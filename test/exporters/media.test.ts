// The pure helpers under the image and audio formats: where a task's file is, what a
// header says about it, how a remote file is fetched, and Python's number text.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseName, bufferReader, fetchRemote, localPath, stemOf, uploadName } from '../../src/exporters/media.ts';
import { parseAllowList } from '../../src/net/addresses.ts';
import { imageInfo } from '../../src/exporters/imageInfo.ts';
import { wavDuration } from '../../src/exporters/wav.ts';
import { PyFloat, pyFloat, pyJson, pyJsonIndented } from '../../src/exporters/pyText.ts';
import { GREY_JPEG } from './golden.ts';

describe('where a task points', () => {
  it.each([
    ['/data/upload/2-plane.jpg', '', '2-plane.jpg'],
    ['/data/upload/a%20b.png?x=1', '', 'a b.png'],
    ['http://ls.example:8080/data/upload/c.png', 'http://ls.example:8080/', 'c.png'],
    ['http://ls.example:8080/data/upload/c.png', '', undefined],
    ['/data/upload/..%2Fconfig.json', '', undefined],
    ['/data/upload/../tasks.json', '', undefined],
    ['/data/upload/%2e%2e', '', undefined],
    ['/data/upload/', '', undefined],
    ['/data/upload/%E0%A4%A', '', undefined],
  ])('uploadName(%j, %j) = %j (confined to upload/)', (url, publicUrl, name) => {
    expect(uploadName(url, publicUrl)).toBe(name);
  });

  it('local files: /data/<file>?d=<dir> and absolute paths', () => {
    expect(localPath('/data/x.png?d=/srv/images')).toBe('/srv/images/x.png');
    expect(localPath('/srv/images/y.png')).toBe('/srv/images/y.png');
    expect(localPath('/data/upload/z.png')).toBeUndefined();
    expect(localPath('http://h/x.png')).toBeUndefined();
  });

  it('names: the last path component, query dropped; the stem as Python splitext', () => {
    expect(baseName('http://images.invalid/other/2-plane.jpg?sig=abc#f')).toBe('2-plane.jpg');
    expect(baseName('/data/upload/2-plane.jpg')).toBe('2-plane.jpg');
    expect(stemOf('2-plane.jpg')).toBe('2-plane');
    expect(stemOf('a.tar.gz')).toBe('a.tar');
    expect(stemOf('.hidden')).toBe('.hidden');
    expect(stemOf('33731ba076cc055562f78b2bd3d38ea9')).toBe('33731ba076cc055562f78b2bd3d38ea9');
  });
});

describe('image headers', () => {
  const png = (colorType: 0 | 2 | 4 | 6, w: number, h: number) => {
    const p = new PNG({ width: w, height: h, colorType });
    p.data.fill(128);
    return PNG.sync.write(p, { colorType });
  };

  it.each([
    ['grey', 0, 1],
    ['RGB', 2, 3],
    ['grey+alpha', 4, 2],
    ['RGBA', 6, 4],
  ] as const)('PNG %s: channels as Pillow counts bands', async (_what, colorType, channels) => {
    expect(await imageInfo(bufferReader(png(colorType, 7, 5)))).toEqual({ width: 7, height: 5, channels });
  });

  it('JPEG: walks the segments to the frame header', async () => {
    expect(await imageInfo(bufferReader(GREY_JPEG))).toEqual({ width: 1, height: 1, channels: 1 });
  });

  it('anything else is unknown', async () => {
    expect(await imageInfo(bufferReader(Buffer.from('not an image at all, really not')))).toBeUndefined();
    expect(await imageInfo(bufferReader(Buffer.alloc(0)))).toBeUndefined();
  });

  it('WAV duration: frames / rate, chunks before data skipped', async () => {
    const wav = (rate: number, channels: number, bits: number, frames: number, extra = Buffer.alloc(0)) => {
      const data = frames * channels * (bits / 8);
      const fmt = Buffer.alloc(16);
      fmt.writeUInt16LE(1, 0);
      fmt.writeUInt16LE(channels, 2);
      fmt.writeUInt32LE(rate, 4);
      fmt.writeUInt32LE((rate * channels * bits) / 8, 8);
      fmt.writeUInt16LE((channels * bits) / 8, 12);
      fmt.writeUInt16LE(bits, 14);
      const chunk = (id: string, body: Buffer) => {
        const h = Buffer.alloc(8);
        h.write(id, 0, 'latin1');
        h.writeUInt32LE(body.length, 4);
        return Buffer.concat([h, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
      };
      const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), extra.length ? chunk('LIST', extra) : Buffer.alloc(0), chunk('data', Buffer.alloc(data))]);
      const head = Buffer.alloc(8);
      head.write('RIFF', 0, 'latin1');
      head.writeUInt32LE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    expect(await wavDuration(bufferReader(wav(8000, 1, 16, 2000)))).toBe(0.25);
    expect(await wavDuration(bufferReader(wav(16000, 2, 16, 16000, Buffer.from('odd')))))
      .toBe(1);
    expect(await wavDuration(bufferReader(Buffer.from('ID3 something')))).toBeUndefined();
  });
});

describe('fetching', () => {
  // The test server is on 127.0.0.1, which is refused unless allowed (test/net/ssrf.test.ts).
  const LOCAL = parseAllowList('127.0.0.1');
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      if (req.url === '/big') return void res.end(Buffer.alloc(5000));
      if (req.url === '/ok') return void res.end('fine');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('gets the bytes', async () => {
    expect((await fetchRemote(`${base}/ok`, { timeoutMs: 1000, maxBytes: 100, allow: LOCAL })).toString()).toBe('fine');
  });

  it('gives up after the time limit, on an error status and over the size limit', async () => {
    const t0 = Date.now();
    await expect(fetchRemote(`${base}/slow`, { timeoutMs: 200, maxBytes: 100, allow: LOCAL })).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(1500);
    await expect(fetchRemote(`${base}/missing`, { timeoutMs: 1000, maxBytes: 100, allow: LOCAL })).rejects.toThrow(/HTTP 404/);
    await expect(fetchRemote(`${base}/big`, { timeoutMs: 1000, maxBytes: 100, allow: LOCAL })).rejects.toThrow(/larger than 100 bytes/);
  });
});

describe("Python's number text", () => {
  it.each([
    [0.1, '0.1'],
    [1e-7, '1e-07'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [32, '32.0'],
    [1e16, '1e+16'],
    [1.5e300, '1.5e+300'],
    [123456789012345.6, '123456789012345.6'],
    [-2.5e-10, '-2.5e-10'],
  ])('float %d is %s', (x, text) => {
    expect(pyFloat(x)).toBe(text);
  });

  it('json.dumps: separators, ensure_ascii (DEL and astral characters too), floats kept as floats', () => {
    expect(pyJson({ a: [1, 'é😀\x7f'], b: null, c: new PyFloat(2) })).toBe('{"a": [1, "\\u00e9\\ud83d\\ude00\\u007f"], "b": null, "c": 2.0}');
    expect(pyJsonIndented({ x: [], y: {}, z: [new PyFloat(0.5)] })).toBe('{\n  "x": [],\n  "y": {},\n  "z": [\n    0.5\n  ]\n}');
  });
});

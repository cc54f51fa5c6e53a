// Names made from annotators' and imports' text (a brush label, the last component of an
// image or audio URL) can be any length. A zip entry name over 65,535 bytes broke the
// whole zip, still sent as 200. Names are now cut (names.ts) where the exporters make
// them, so what a format writes inside its files names the entry that is in the zip.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { posix } from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp } from '../helpers/app.ts';
import { sendExport } from '../../src/http/export.ts';
import type { ExportFormat } from '../../src/exporters/types.ts';
import { capName, MAX_NAME_BYTES } from '../../src/exporters/names.ts';
import { binaryParser, exportZip, unzip } from './golden.ts';
import { uniformRle } from './rleWriter.ts';
import { ASR_XML, BRUSH_XML, brushResult, completed, PNG_HEAD, projectWith, RECT_XML, rectResult, silentWav, transcript } from './smallProject.ts';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** The longest part of any path in the zip, in bytes. */
const longestPart = (entries: string[]) => Math.max(...entries.flatMap((e) => e.split('/')).map(bytes));

describe('capName', () => {
  it('keeps a name whose stem fits', () => {
    const fits = 'a'.repeat(MAX_NAME_BYTES) + '.png';
    expect(capName(fits)).toBe(fits);
    expect(capName('2-plane.jpg')).toBe('2-plane.jpg');
  });

  it('cuts a longer one to MAX_NAME_BYTES plus its extension, with a hash that keeps names starting alike apart', () => {
    const a = capName('x'.repeat(70_000) + 'a.png');
    const b = capName('x'.repeat(70_000) + 'b.png');
    expect(bytes(a)).toBe(MAX_NAME_BYTES + 4);
    expect(a).toMatch(/^x+~[0-9a-f]{8}\.png$/);
    expect(a).not.toBe(b);
    expect(capName(a)).toBe(a);
  });

  it('never splits a character, and an extension too long to be one is cut with the rest', () => {
    const cut = capName('é'.repeat(150) + '😀'.repeat(10) + '.wav');
    expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_NAME_BYTES + 4);
    expect(cut.endsWith('.wav')).toBe(true);
    const noExt = capName('n.' + 'e'.repeat(300));
    expect(bytes(noExt)).toBeLessThanOrEqual(MAX_NAME_BYTES);
  });
});

describe('long names through the export', () => {
  it('BRUSH_TO_NUMPY: a 70,000-character brush label gives a readable zip with a short name', async () => {
    const rle = uniformRle(2 * 2 * 4, 255);
    const t = await projectWith(BRUSH_XML, [{ id: 0, data: { image: '/data/upload/x.png' }, completions: completed(0, brushResult(rle, 2, 2, 'x'.repeat(70_000)), brushResult(rle, 2, 2)) }]);
    try {
      const zip = await exportZip(t, 'BRUSH_TO_NUMPY');
      expect(zip.entries).toHaveLength(2);
      expect(zip.entries).toContain('task-0-completion-1-tag-Car-0.npy');
      expect(longestPart(zip.entries)).toBeLessThanOrEqual(MAX_NAME_BYTES + 4);
    } finally {
      await t.close();
    }
  });

  it('VOC: an image URL with a 70,000-character last component gives a readable zip', async () => {
    const t = await projectWith(RECT_XML, [
      { id: 0, data: { image: 's3://bucket/' + 'a'.repeat(70_000) + '.png' }, completions: completed(0, rectResult()) },
      { id: 1, data: { image: 's3://bucket/b.png' }, completions: completed(1, rectResult()) },
    ]);
    try {
      const zip = await exportZip(t, 'VOC');
      expect(zip.entries).toContain('Annotations/b.xml');
      expect(zip.entries.filter((e) => e.startsWith('Annotations/a'))).toHaveLength(1);
      expect(longestPart(zip.entries)).toBeLessThanOrEqual(MAX_NAME_BYTES + 4);
    } finally {
      await t.close();
    }
  });

  describe('an uploaded image whose name is over the cap (234 bytes)', () => {
    const long = 'é'.repeat(115) + '.png';
    const files = [{ id: 0, data: { image: `/data/upload/${encodeURIComponent(long)}` }, completions: completed(0, rectResult()) }];
    const imageEntry = (entries: string[]) => {
      const images = entries.filter((e) => e.startsWith('images/') && e !== 'images/');
      expect(images).toHaveLength(1);
      expect(bytes(posix.basename(images[0]!))).toBeLessThanOrEqual(MAX_NAME_BYTES + 4);
      return images[0]!;
    };

    it('COCO file_name is the entry in images/', async () => {
      const t = await projectWith(RECT_XML, files, { uploads: { [long]: PNG_HEAD } });
      try {
        const zip = await exportZip(t, 'COCO');
        const coco = JSON.parse(zip.files.get('result.json')!.toString());
        expect(coco.images[0].file_name).toBe(imageEntry(zip.entries));
      } finally {
        await t.close();
      }
    });

    it('VOC <filename> and YOLO labels/<stem>.txt are the stem of that entry', async () => {
      const t = await projectWith(RECT_XML, files, { uploads: { [long]: PNG_HEAD } });
      try {
        const voc = await exportZip(t, 'VOC');
        const stem = posix.parse(imageEntry(voc.entries)).name;
        expect(voc.files.get(`Annotations/${stem}.xml`)!.toString()).toContain(`<filename>${stem}</filename>`);
        const yolo = await exportZip(t, 'YOLO');
        expect(posix.parse(imageEntry(yolo.entries)).name).toBe(stem);
        expect(yolo.entries).toContain(`labels/${stem}.txt`);
      } finally {
        await t.close();
      }
    });
  });

  describe('ASR_MANIFEST: remote audio whose URL ends in a 300-character name', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((_req, res) => void res.end(silentWav(2000)));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((r) => server.close(r)));

    it('audio_filepath is the entry in audio/, cut to size', async () => {
      const t = await projectWith(ASR_XML, [{ id: 0, data: { audio: `${base}/${'s'.repeat(300)}.wav` }, completions: completed(0, transcript('hello')) }]);
      try {
        const zip = await exportZip(t, 'ASR_MANIFEST');
        const line = JSON.parse(zip.files.get('manifest.json')!.toString());
        expect(zip.entries).toContain(line.audio_filepath);
        expect(line.audio_filepath).toMatch(/^audio\/s+~[0-9a-f]{8}\.wav$/);
        expect(line.duration).toBe(0.25);
      } finally {
        await t.close();
      }
    });
  });
});

describe('the zip itself', () => {
  it('cuts a path part over 255 bytes from a format that did not (a backstop), so the zip stays readable', async () => {
    const careless: ExportFormat = {
      name: 'CARELESS',
      title: '',
      description: '',
      supports: () => true,
      async write(_records, sink) {
        sink.dir('d'.repeat(300));
        await sink.file(`${'d'.repeat(300)}/${'f'.repeat(70_000)}.txt`, 'text');
        await sink.file('ok.txt', 'fine');
      },
    };
    const t = await makeTestApp();
    try {
      const app = express();
      app.get('/export', async (_req, res) => sendExport(t.project, careless, res, true));
      const res = await request(app)
        .get('/export')
        .buffer(true)
        .parse(binaryParser);
      expect(res.status).toBe(200);
      const zip = await unzip(res.body as Buffer);
      expect(zip.entries).toHaveLength(3); // one folder entry, its file, ok.txt
      expect(zip.files.get('ok.txt')!.toString()).toBe('fine');
      expect(longestPart(zip.entries)).toBeLessThanOrEqual(MAX_NAME_BYTES + 4);
    } finally {
      await t.close();
    }
  });
});

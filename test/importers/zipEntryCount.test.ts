// A zip with more entries than an import may hold is refused from its central directory's
// entry count, before a single member is extracted. Counting member by member, a zip of
// 150,000 one-byte files cost two minutes of extracting before its 413. Nested archives
// count against the same budget when they are opened.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImportFailure } from '../../src/importers/errors.ts';
import { collectFiles } from '../../src/importers/kinds.ts';
import { ARCHIVE_LIMITS } from '../../src/importers/zip.ts';
import { expectUnchanged, snapshot } from '../http/support.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { manyEntriesZip, type TinyMember } from './manyEntriesZip.ts';
import { CONFIGS, makeZip, setConfig, storedTasks, uploadedFiles } from './support.ts';

/**
 * n one-line text files, the first of them a JSON file holding null: extracted, it would
 * fail the import with a 400 naming it, so a 413 shows nothing was extracted.
 */
function* members(n: number): Generator<TinyMember> {
  yield { name: 'first.json', content: 'null' };
  for (let i = 1; i < n; i++) yield { name: `t/${i}.txt`, content: 'a' };
}

describe('a zip of 150,001 entries (the limit is 100,000)', () => {
  const N = 150_001;
  let zip: Buffer;
  let dir: string;
  beforeAll(async () => {
    zip = manyEntriesZip(members(N));
    dir = await mkdtemp(join(tmpdir(), 'ls-zipcount-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is refused by the importer in milliseconds, nothing extracted', async () => {
    expect(ARCHIVE_LIMITS.members).toBe(100_000);
    const path = join(dir, 'many.zip');
    await writeFile(path, zip);
    const work = await mkdtemp(join(dir, 'work-'));
    const started = performance.now();
    const err = await collectFiles([{ name: 'many.zip', path, size: zip.length }], { dataTypes: { text: 'Text' }, tempDir: work, publicUrl: '', maxTasks: 250_000, maxBytes: 200 * 1024 ** 2, maxDataKeys: 1000 }).catch((e: unknown) => e);
    const ms = performance.now() - started;
    expect(err).toBeInstanceOf(ImportFailure);
    expect((err as ImportFailure).status).toBe(413);
    expect((err as ImportFailure).message).toBe('Failed to parse input file many.zip: archives may hold at most 100000 files');
    expect(ms).toBeLessThan(500); // minutes when members were counted one by one as they were extracted
    expect(await readdir(work)).toEqual([]); // no member was extracted
  });

  it('through POST /api/project/import: 413, quickly, nothing stored', async () => {
    const t: TestApp = await makeTestApp();
    try {
      await setConfig(t, CONFIGS.text);
      const before = await snapshot(t);
      const started = performance.now();
      const res = await request(t.app).post('/api/project/import').attach('file', zip, 'many.zip');
      const ms = performance.now() - started;
      expect(res.status).toBe(413);
      expect(res.body.errors).toEqual(['Failed to parse input file many.zip: archives may hold at most 100000 files']);
      // Mostly receiving the 15 MB upload.
      expect(ms).toBeLessThan(5000);
      expect((await storedTasks(t))).toEqual([]);
      expect(await uploadedFiles(t)).toEqual([]);
      await expectUnchanged(t, before, 'zip of too many entries');
    } finally {
      await t.close();
    }
  });
});

describe('nested archives share the count (members capped at 100 here)', () => {
  let t: TestApp;
  const saved = { ...ARCHIVE_LIMITS };
  afterEach(async () => {
    Object.assign(ARCHIVE_LIMITS, saved);
    await t.close();
  });

  it('an inner zip that takes the total over the cap is refused when opened, before its members are read', async () => {
    t = await makeTestApp();
    await setConfig(t, CONFIGS.text);
    Object.assign(ARCHIVE_LIMITS, { members: 100 });
    // a.zip: 60 good lines; b.zip: 60 entries led by a bad one. 2 + 60 + 60 > 100.
    const a = manyEntriesZip(Array.from({ length: 60 }, (_, i) => ({ name: `a${i}.txt`, content: `line ${i}` })));
    const b = manyEntriesZip(members(60));
    const outer = await makeZip([
      { name: 'a.zip', content: a },
      { name: 'b.zip', content: b },
    ]);
    const before = await snapshot(t);
    const res = await request(t.app).post('/api/project/import').attach('file', outer, 'outer.zip');
    expect(res.status).toBe(413);
    expect(res.body.errors).toEqual(['Failed to parse input file outer.zip/b.zip: archives may hold at most 100 files']);
    await expectUnchanged(t, before, 'nested zips over the cap');
  });

  it('the same archives under the cap are imported (the bad member is then read, and named)', async () => {
    t = await makeTestApp();
    await setConfig(t, CONFIGS.text);
    Object.assign(ARCHIVE_LIMITS, { members: 122 });
    const a = manyEntriesZip(Array.from({ length: 60 }, (_, i) => ({ name: `a${i}.txt`, content: `line ${i}` })));
    const b = manyEntriesZip(members(60));
    const outer = await makeZip([
      { name: 'a.zip', content: a },
      { name: 'b.zip', content: b },
    ]);
    const res = await request(t.app).post('/api/project/import').attach('file', outer, 'outer.zip');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(['null in outer.zip/b.zip/first.json is not allowed']);
  });
});

// ASR_MANIFEST against the reference's output (case audio_transcription, converter
// 0.0.23rc2), then the cases that crashed 0.0.23 and are skipped or kept by us.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { TestApp } from '../helpers/app.ts';
import { casesWithFormat, exportZip, GOLDEN, goldenCase, goldenEntries, goldenFiles, goldenText, md5, openGoldenProject } from './golden.ts';

const AUDIO = join(GOLDEN, 'audio_transcription/out/ASR_MANIFEST/audio');

it('the golden case with ASR_MANIFEST is audio_transcription', async () => {
  expect(await casesWithFormat('ASR_MANIFEST')).toEqual(['audio_transcription']);
});

describe('audio_transcription', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openGoldenProject(await goldenCase('audio_transcription'), {
      uploads: { 'sample.wav': await readFile(join(AUDIO, 'sample.wav')), 'second.wav': await readFile(join(AUDIO, 'second.wav')) },
    });
  });
  afterAll(() => t.close());

  it('is offered as 0.0.23 offered it', async () => {
    const c = await goldenCase('audio_transcription');
    const res = await request(t.app).get('/api/project/export/formats');
    expect(res.body.map((f: { name: string }) => f.name)).toEqual(c.run.supported_formats['0.0.23rc2']);
  });

  it('matches the reference byte for byte: first line of the first region, non-ASCII escaped, durations from the WAV headers', async () => {
    const c = await goldenCase('audio_transcription');
    const zip = await exportZip(t, 'ASR_MANIFEST');
    expect([...zip.entries].sort()).toEqual(goldenEntries(c, 'ASR_MANIFEST'));
    expect(zip.files.get('manifest.json')!.toString('utf8')).toBe(await goldenText('audio_transcription', 'ASR_MANIFEST', 'manifest.json'));
    for (const [name, bytes] of await goldenFiles('audio_transcription', 'ASR_MANIFEST')) expect(zip.files.get(name)!.equals(bytes), name).toBe(true);
  });
});

describe('what crashed 0.0.23', () => {
  let t: TestApp;
  let server: ReturnType<typeof createServer>;
  let base: string;
  beforeAll(async () => {
    const wav = await readFile(join(AUDIO, 'second.wav'));
    server = createServer((req, res) => {
      if (req.url === '/clips/remote.wav') res.writeHead(200).end(wav);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const c = await goldenCase('audio_transcription');
    const transcript = (id: number, text: string[] | null, audio: string) => ({
      id,
      data: { audio },
      completions: [
        {
          id: id * 1000 + 1,
          created_at: 1606860000 + id,
          result: text === null ? [] : [{ id: `a${id}`, from_name: 'transcription', to_name: 'audio', type: 'textarea', value: { text } }],
        },
      ],
    });
    const tasks = [
      transcript(1, ['from the web'], `${base}/clips/remote.wav`),
      transcript(2, ['not a wav'], '/data/upload/notes.mp3'),
      transcript(3, null, '/data/upload/sample.wav'),
      transcript(4, ['gone'], '/data/upload/missing.wav'),
      transcript(5, ['gone too'], `${base}/clips/404.wav`),
    ];
    t = await openGoldenProject(
      { ...c, tasksText: JSON.stringify(tasks) },
      { uploads: { 'sample.wav': await readFile(join(AUDIO, 'sample.wav')), 'notes.mp3': Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00 not really audio') } },
    );
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => server.close(r));
  });

  it('fetches remote audio, keeps non-WAV audio without a duration, skips tasks without a transcript or audio', async () => {
    const zip = await exportZip(t, 'ASR_MANIFEST');
    const remote = `remote_${md5(`${base}/clips/remote.wav`).slice(0, 4)}.wav`;
    expect([...zip.entries].sort()).toEqual(['audio/', `audio/${remote}`, 'audio/notes.mp3', 'manifest.json'].sort());
    expect(zip.files.get('manifest.json')!.toString('utf8')).toBe(
      `{"audio_filepath": "audio/${remote}", "duration": 0.75, "text": "from the web"}\n` + '{"audio_filepath": "audio/notes.mp3", "text": "not a wav"}\n',
    );
  });
});

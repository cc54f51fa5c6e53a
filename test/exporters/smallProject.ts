// A project folder written by hand for one test: a config, the completion files, uploads,
// settings. (The golden cases, golden.ts, are for comparing with the reference.)
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, type TestApp } from '../helpers/app.ts';

export const RECT_XML = '<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image"><Label value="Car"/></RectangleLabels></View>';
export const POLY_XML = '<View><Image name="image" value="$image"/><PolygonLabels name="poly" toName="image"><Label value="Car"/></PolygonLabels></View>';
export const BOTH_XML = '<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image"><Label value="Car"/></RectangleLabels><PolygonLabels name="poly" toName="image"><Label value="Car"/></PolygonLabels></View>';
export const BRUSH_XML = '<View><Image name="image" value="$image"/><BrushLabels name="tag" toName="image"><Label value="Car"/></BrushLabels></View>';
export const ASR_XML = '<View><Audio name="audio" value="$audio"/><TextArea name="transcription" toName="audio"/></View>';

export interface SmallProject {
  uploads?: Record<string, Buffer>;
  /** Settings, as environment variable values. */
  settings?: Record<string, string>;
}

export interface CompletionFileIn {
  id: number;
  data: Record<string, unknown>;
  completions: unknown[];
}

export function projectWith(configXml: string, files: CompletionFileIn[], opts: SmallProject = {}): Promise<TestApp> {
  // Remote files in these projects are served from 127.0.0.1, which exports refuse to
  // fetch from unless allowed.
  return makeTestApp({ FETCH_ALLOW: '127.0.0.1', ...opts.settings }, async (dir) => {
    await mkdir(join(dir, 'completions'), { recursive: true });
    await mkdir(join(dir, 'upload'), { recursive: true });
    await writeFile(join(dir, 'config.json'), '{}');
    await writeFile(join(dir, 'config.xml'), configXml);
    const tasks: Record<string, unknown> = {};
    for (const f of files) {
      tasks[String(f.id)] = { id: f.id, data: f.data };
      await writeFile(join(dir, 'completions', `${f.id}.json`), JSON.stringify(f));
    }
    await writeFile(join(dir, 'tasks.json'), JSON.stringify(tasks));
    for (const [name, bytes] of Object.entries(opts.uploads ?? {})) await writeFile(join(dir, 'upload', name), bytes);
  });
}

/** One completion (id taskId*1000+1) holding these results. */
export const completed = (taskId: number, ...result: unknown[]) => [{ id: taskId * 1000 + 1, created_at: 1, result }];

export function rectResult(label = 'Car', box = { x: 1, y: 1, width: 10, height: 10 }, size = { original_width: 100, original_height: 100 }) {
  return { from_name: 'label', to_name: 'image', type: 'rectanglelabels', ...size, value: { ...box, rectanglelabels: [label] } };
}

export function polygonResult(points: number[][], label = 'Car', size = { original_width: 100, original_height: 100 }) {
  return { from_name: 'poly', to_name: 'image', type: 'polygonlabels', ...size, value: { points, polygonlabels: [label] } };
}

export function brushResult(rle: number[], width: number, height: number, label = 'Car') {
  return { from_name: 'tag', to_name: 'image', type: 'brushlabels', original_width: width, original_height: height, value: { format: 'rle', rle, brushlabels: [label] } };
}

export const transcript = (text: string) => ({ from_name: 'transcription', to_name: 'audio', type: 'textarea', value: { text: [text] } });

/** A PNG's first bytes, up to its size (100×100, 8-bit grey): all the exporters read of it. */
export const PNG_HEAD = Buffer.from('89504e470d0a1a0a0000000d49484452000000640000006408000000', 'hex');

/** A WAV file of `frames` silent 16-bit mono frames at 8 kHz. */
export function silentWav(frames: number): Buffer {
  const data = frames * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(data, 40);
  return b;
}

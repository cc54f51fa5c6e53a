// ASR_MANIFEST (converter 0.0.23; export.md §12): audio/ with the tasks' audio files and
// manifest.json, JSON Lines in the NVIDIA NeMo layout:
//   {"audio_filepath": "audio/<file>", "duration": <seconds>, "text": "<transcript>"}
// The transcript is the first line of the first region of the TextArea control. The
// records are read twice: first to copy or fetch the audio, then to write the manifest.
// Fixed on purpose (0.0.23 crashed the whole export on each): a task without a
// transcript, or whose audio cannot be had, is left out with a log line; audio that is
// not WAV is kept, without "duration".
import type { ExportFormat } from './types.ts';
import type { CompletionFile } from '../domain/types.ts';
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';
import { needsSingleKey, singleDataKey } from './configFacts.ts';
import { dataString, selectedGroups } from './selection.ts';
import { MediaFolder, baseName, md5, stemOf } from './media.ts';
import { wavDuration } from './wav.ts';
import { PyFloat, pyJson } from './pyText.ts';

interface Transcribed {
  id: number;
  url: string;
  text: string;
}

function transcribed(file: CompletionFile, config: ParsedLabelConfig | null, log: (msg: string) => void): Transcribed | undefined {
  const groups = selectedGroups(file, config);
  if (!groups) return undefined;
  const lines = groups.find((g) => g.type === 'TextArea')?.values[0]?.text;
  const text = Array.isArray(lines) ? lines[0] : undefined;
  if (typeof text !== 'string') {
    log(`ASR_MANIFEST: task ${file.id} has no transcription; skipped`);
    return undefined;
  }
  const url = dataString(file, singleDataKey(config));
  if (url === undefined) {
    log(`ASR_MANIFEST: task ${file.id} has no audio reference; skipped`);
    return undefined;
  }
  return { id: file.id, url, text };
}

/** A fetched file's name: <stem>_<first 4 hex digits of md5(url)><extension>, as 0.0.23 named it. */
export function remoteAudioName(url: string): string {
  const name = baseName(url);
  const stem = stemOf(name);
  return `${stem}_${md5(url).slice(0, 4)}${name.slice(stem.length)}`;
}

export const asrManifestFormat: ExportFormat = {
  name: 'ASR_MANIFEST',
  title: 'ASR Manifest',
  description: 'Export audio transcription labels for automatic speech recognition as the JSON manifest format expected by NVIDIA NeMo models.',
  supports: needsSingleKey('Audio', ['TextArea']),
  async write(records, sink, ctx) {
    const log = (msg: string) => ctx.log?.warn(msg);
    sink.dir('audio');
    const media = new MediaFolder(sink, 'audio', ctx, remoteAudioName, wavDuration);
    for await (const file of records) {
      const t = transcribed(file, ctx.config, log);
      if (t && !(await media.resolve(t.url)).exportPath) log(`ASR_MANIFEST: the audio of task ${t.id} (${t.url}) could not be had; skipped`);
    }
    async function* manifest(): AsyncGenerator<string> {
      for await (const file of records) {
        const t = transcribed(file, ctx.config, () => {});
        if (!t) continue;
        const audio = await media.resolve(t.url);
        if (!audio.exportPath) continue;
        const duration = audio.meta === undefined ? '' : `"duration": ${pyJson(new PyFloat(audio.meta))}, `;
        yield `{"audio_filepath": ${pyJson(audio.exportPath)}, ${duration}"text": ${pyJson(t.text)}}\n`;
      }
    }
    await sink.file('manifest.json', manifest());
  },
};

// The example ML backend (examples/ml-backend/) on its own: the 0.8 protocol as its SDK
// answered it, a naive-Bayes model that learns from /train, its model folder, and the
// one command that runs it.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { choicesTaskOf, NaiveBayes, tokenize } from '../../examples/ml-backend/model.ts';
import { startExampleBackend, type RunningBackend } from '../helpers/mlBackends.ts';
import { SENTIMENT_CONFIG } from '../http/support.ts';

const CONFIG_LINE = SENTIMENT_CONFIG.replace(/[\r\n]/g, '');

function post(base: string, path: string, body: unknown) {
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const completed = (id: number, text: string, choice: string, extra: Record<string, unknown> = {}) => ({
  id,
  data: { text },
  completions: [{ id: id * 1000 + 1, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }], ...extra }],
});

describe('the model', () => {
  it('reads the Choices and the Text they label from the config', () => {
    expect(choicesTaskOf(SENTIMENT_CONFIG)).toEqual({ fromName: 'sentiment', toName: 'text', dataKey: 'text', labels: ['Positive', 'Negative', 'Neutral'] });
    expect(choicesTaskOf('<View><Image name="i" value="$image"/><RectangleLabels name="l" toName="i"><Label value="a"/></RectangleLabels></View>')).toBeUndefined();
  });

  it('splits words in any script, lower-cased', () => {
    expect(tokenize("Great café, isn't it? 5 stars")).toEqual(['great', 'café', "isn't", 'it', '5', 'stars']);
  });

  it('learns: more examples of a word make a label surer', () => {
    const few = NaiveBayes.train([{ text: 'great', label: 'Positive' }, { text: 'awful', label: 'Negative' }], ['Positive', 'Negative'], '1');
    const more = NaiveBayes.train(
      [...['great', 'great food', 'great staff'].map((text) => ({ text, label: 'Positive' })), { text: 'awful', label: 'Negative' }],
      ['Positive', 'Negative'],
      '2',
    );
    expect(few.predict('great').label).toBe('Positive');
    expect(more.predict('great').score).toBeGreaterThan(few.predict('great').score);
    expect(few.predict('awful').label).toBe('Negative');
    // No known word: the smoothed priors decide.
    const prior = few.predict('zzz');
    expect(prior.score).toBeCloseTo(0.5);
    expect(Object.values(prior.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });
});

describe('the example backend over HTTP (0.8 protocol)', () => {
  let backend: RunningBackend;
  let dir: string | undefined;
  afterEach(async () => {
    await backend?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('answers health, 404 to /predict before training, learns from /train, then predicts', async () => {
    backend = await startExampleBackend();
    const health = await fetch(`${backend.url}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'UP', model_dir: null }]);
    expect(await (await post(backend.url, '/setup', { project: 'nb', schema: CONFIG_LINE })).json()).toEqual({ model_version: null });

    const task = { id: 7, data: { text: 'the food was great' }, predictions: [] };
    const before = await post(backend.url, '/predict', { tasks: [task], project: 'nb', label_config: CONFIG_LINE, model_version: null, params: {} });
    expect(before.status).toBe(404);
    expect(await before.json()).toEqual({ status: 404, detail: 'model is not found (probably not trained yet)' });

    const items = [completed(1, 'great food, great staff', 'Positive'), completed(2, 'awful, cold soup', 'Negative'), completed(3, 'great place', 'Negative', { was_cancelled: true })];
    const train = await post(backend.url, '/train', { completions: items, project: 'nb', label_config: CONFIG_LINE, params: {} });
    expect(train.status).toBe(201);
    const { model_version: version, examples } = (await train.json()) as { model_version: string; examples: number };
    expect(examples).toBe(2); // the skipped one is left out

    expect(await (await post(backend.url, '/setup', { project: 'nb', schema: CONFIG_LINE })).json()).toEqual({ model_version: version });
    expect(await (await fetch(`${backend.url}/is_training?project=nb`)).json()).toEqual({ is_training: false, backend: 'none', model_version: version });
    const res = await post(backend.url, '/predict', { tasks: [task, { id: 8, data: { text: 'awful' } }], project: 'nb', label_config: CONFIG_LINE, model_version: version, params: {} });
    const body = (await res.json()) as { results: { result: { value: { choices: string[] } }[]; score: number }[]; model_version: string };
    expect(body.model_version).toBe(version);
    expect(body.results.map((r) => r.result[0]!.value.choices[0])).toEqual(['Positive', 'Negative']);
    for (const r of body.results) expect(r.score).toBeGreaterThan(1 / 3);
  });

  it('reads label-studio-ml 1.0.x "annotations" as well', async () => {
    backend = await startExampleBackend();
    const items = [completed(1, 'great', 'Positive'), completed(2, 'awful', 'Negative')].map(({ completions, ...rest }) => ({ ...rest, annotations: completions }));
    expect((await post(backend.url, '/train', { annotations: items, project: 'p', label_config: CONFIG_LINE })).status).toBe(201);
  });

  it('refuses to train on nothing, as the SDK did', async () => {
    backend = await startExampleBackend();
    const res = await post(backend.url, '/train', { completions: [], project: 'p', label_config: CONFIG_LINE });
    expect([res.status, await res.json()]).toEqual([400, 'No completions found.']);
  });

  it('keeps models in MODEL_DIR across restarts; /delete forgets them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ls-ml-models-'));
    backend = await startExampleBackend({ modelDir: dir });
    await post(backend.url, '/train', { completions: [completed(1, 'great', 'Positive')], project: 'a/../b', label_config: CONFIG_LINE });
    expect(await readdir(dir)).toEqual(['a%2F%2E%2E%2Fb.json']);
    await backend.close();
    backend = await startExampleBackend({ modelDir: dir });
    expect(((await (await post(backend.url, '/setup', { project: 'a/../b' })).json()) as { model_version: unknown }).model_version).toMatch(/^\d+$/);
    expect((await post(backend.url, '/delete', { project: 'a/../b' })).status).toBe(200);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('npm run ml-backend', () => {
  it('starts the example backend with one command and stops on SIGTERM', async () => {
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    // Its own process group, so the group (npm, tsx, node) is stopped together.
    const proc = spawn('npm', ['run', '--silent', 'ml-backend'], { cwd: repo, env: { ...process.env, PORT: '0' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    try {
      const deadline = Date.now() + 20_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline) {
        url = /ML backend listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(url, out).toBeDefined();
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'UP', model_dir: null });
      expect(out).toContain(`"url": "${url}"`);
    } finally {
      const exited = new Promise((r) => proc.once('exit', r));
      process.kill(-proc.pid!, 'SIGTERM');
      await exited;
    }
  });
});

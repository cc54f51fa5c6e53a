// The example ML backend's HTTP side: the Label Studio 0.8 backend protocol (/health,
// /setup, /predict, /train, /is_training, /delete, /metrics), as the SDK bundled with 0.8
// answers it, with the naive-Bayes model of model.ts behind it. One model per `project`
// (the name the labeling server gave this backend), kept in memory and, with a model
// folder, in <modelDir>/<project>.json so it survives a restart.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { choicesTaskOf, NaiveBayes, type ChoicesTask } from './model.ts';

export interface BackendOptions {
  /** Where trained models are saved; none: memory only. */
  modelDir?: string;
  /** Largest request body read (a /train carries every completion of a project). */
  maxBodyBytes?: number;
  /** Told of each request once its body is read (for a log, or a test that counts calls). */
  onRequest?: (call: { method: string; path: string; query: string; body?: JsonObject }) => void;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

async function readJson(req: IncomingMessage, max: number): Promise<JsonObject> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new HttpError(413, `request body over ${max} bytes`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
  if (!isObject(body)) throw new HttpError(400, 'the body must be a JSON object');
  return body;
}

/** A model file name made from the project: never a path. */
const fileOf = (project: string) => `${encodeURIComponent(project).replace(/\./g, '%2E')}.json`;

/** The label of a completion: its first choice for the Choices the model makes, unless skipped. */
function labelOf(completion: unknown, task: ChoicesTask): string | undefined {
  if (!isObject(completion) || completion.was_cancelled || completion.skipped || !Array.isArray(completion.result)) return undefined;
  for (const r of completion.result) {
    if (isObject(r) && r.from_name === task.fromName && isObject(r.value) && Array.isArray(r.value.choices) && typeof r.value.choices[0] === 'string') {
      return r.value.choices[0];
    }
  }
  return undefined;
}

export function createBackend(options: BackendOptions = {}): Server {
  const models = new Map<string, NaiveBayes>();
  const maxBody = options.maxBodyBytes ?? 200 * 1024 * 1024;
  let lastVersion = 0;
  // Versions are training times in milliseconds, always increasing (two trainings in one
  // millisecond still get two versions).
  const newVersion = () => String((lastVersion = Math.max(Date.now(), lastVersion + 1)));

  async function modelOf(project: string): Promise<NaiveBayes | undefined> {
    const inMemory = models.get(project);
    if (inMemory || !options.modelDir) return inMemory;
    try {
      const saved = NaiveBayes.fromJSON(JSON.parse(await readFile(join(options.modelDir, fileOf(project)), 'utf8')));
      models.set(project, saved);
      return saved;
    } catch {
      return undefined;
    }
  }

  async function save(project: string, model: NaiveBayes): Promise<void> {
    models.set(project, model);
    if (!options.modelDir) return;
    await mkdir(options.modelDir, { recursive: true });
    const path = join(options.modelDir, fileOf(project));
    await writeFile(`${path}.tmp`, JSON.stringify(model));
    await rename(`${path}.tmp`, path);
  }

  const projectOf = (body: JsonObject) => (typeof body.project === 'string' && body.project !== '' ? body.project : 'default');

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://backend');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const route = `${req.method} ${path}`;
    const post = req.method === 'POST';
    const body: JsonObject = post ? await readJson(req, maxBody) : {};
    options.onRequest?.({ method: req.method ?? '', path, query: url.search, ...(post && { body }) });
    switch (route) {
      case 'GET /':
      case 'GET /health':
        return send(res, 200, { status: 'UP', model_dir: options.modelDir ?? null });
      case 'GET /metrics':
        return send(res, 200, {});
      case 'POST /setup': {
        const model = await modelOf(projectOf(body));
        // Untrained: no version yet (0.8's SDK made up a timestamp; the server keeps null).
        return send(res, 200, { model_version: model?.version ?? null });
      }
      case 'GET /is_training': {
        const model = await modelOf(url.searchParams.get('project') ?? 'default');
        // Training happens inside /train (no job queue): never running when asked.
        return send(res, 200, model ? { is_training: false, backend: 'none', model_version: model.version } : { is_training: false });
      }
      case 'POST /predict': {
        const model = await modelOf(projectOf(body));
        // The SDK's answer for a project that never trained; the server stores nothing then.
        if (!model) throw new HttpError(404, 'model is not found (probably not trained yet)');
        const task = choicesTaskOf(typeof body.label_config === 'string' ? body.label_config : '');
        const tasks = Array.isArray(body.tasks) ? body.tasks : [];
        const results = tasks.map((t) => {
          const text = task && isObject(t) && isObject(t.data) ? t.data[task.dataKey] : undefined;
          // Nothing to read (another config, a task without the text): an empty prediction.
          if (!task || typeof text !== 'string') return { result: [], score: 0 };
          const p = model.predict(text);
          return {
            result: [{ from_name: task.fromName, to_name: task.toName, type: 'choices', value: { choices: [p.label] } }],
            score: p.score,
          };
        });
        return send(res, 200, { results, model_version: model.version });
      }
      case 'POST /train': {
        const task = choicesTaskOf(typeof body.label_config === 'string' ? body.label_config : '');
        if (!task) throw new HttpError(400, 'This example backend needs a labeling config with a <Choices> on a <Text>');
        // 0.8 sends "completions"; label-studio-ml 1.0.x reads "annotations" (the server sends both).
        const items = Array.isArray(body.completions) ? body.completions : Array.isArray(body.annotations) ? body.annotations : [];
        const examples: { text: string; label: string }[] = [];
        for (const item of items) {
          if (!isObject(item) || !isObject(item.data) || typeof item.data[task.dataKey] !== 'string') continue;
          const completions = Array.isArray(item.completions) ? item.completions : Array.isArray(item.annotations) ? item.annotations : [];
          const label = completions.map((c) => labelOf(c, task)).find((l) => l !== undefined);
          if (label !== undefined) examples.push({ text: item.data[task.dataKey] as string, label });
        }
        // The SDK's answer when there is nothing to learn from.
        if (examples.length === 0) return send(res, 400, 'No completions found.');
        const model = NaiveBayes.train(examples, task.labels, newVersion());
        await save(projectOf(body), model);
        return send(res, 201, { model_version: model.version, examples: examples.length });
      }
      case 'POST /delete': {
        // Sent by the server when every task of the project is deleted: the model goes too.
        const project = projectOf(body);
        models.delete(project);
        if (options.modelDir) await rm(join(options.modelDir, fileOf(project)), { force: true });
        return send(res, 200, {});
      }
      default:
        throw new HttpError(404, `no route ${route}`);
    }
  }

  return createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      const status = err instanceof HttpError ? err.status : 500;
      // The SDK's error envelope.
      if (!res.headersSent) send(res, status, { status, detail: err.message });
      else res.destroy();
    });
  });
}

// /api/import-example, /api/import-example-file, /samples/time-series.csv (config-and-import §3).
import { Router, type Request, type Response } from 'express';
import type { JsonObject } from '../domain/types.ts';
import { exampleData, importExampleData } from '../labelConfig/exampleTask.ts';
import { jsonTypeOf } from '../labelConfig/catalogue.ts';
import { LabelConfigError, parseLabelConfig } from '../labelConfig/parse.ts';
import { MAX_SEPARATOR_LENGTH, SEPARATOR_ALIASES, timeSeriesCsv } from '../labelConfig/timeSeries.ts';
import type { ProjectContext } from '../services/context.ts';
import { checkLabelConfig } from '../services/project.ts';
import { badRequest } from '../errors.ts';
import { route } from './methods.ts';
import { sandbox } from './securityHeaders.ts';
import { labelConfigOf } from './requestBody.ts';

/** 0.8's whole answer to any config it could not make an example for (the setup page shows it). */
const GENERATION_FAILED = 'error while example generating';

function generationFailed(): never {
  throw badRequest(GENERATION_FAILED, 'example_failed');
}

function queryString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

interface SampleFormat {
  contentType: string;
  render(data: JsonObject): string;
}

/** A cell of a CSV/TSV sample: nested values JSON-encoded (0.8 wrote Python reprs, Q-E2). */
function cell(value: unknown, sep: string): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.includes(sep) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function table(sep: string): (data: JsonObject) => string {
  return (data) => {
    const header = Object.keys(data).map((k) => cell(k, sep)).join(sep);
    const row = Object.values(data).map((v) => cell(v, sep)).join(sep);
    return `${header}\n${row}\n${row}\n`;
  };
}

/** The sample task twice, in each format the import page offers. */
const SAMPLE_FORMATS: Readonly<Record<string, SampleFormat>> = {
  json: { contentType: 'application/json', render: (data) => JSON.stringify([data, data]) },
  csv: { contentType: 'text/csv', render: table(',') },
  tsv: { contentType: 'text/tab-separated-values', render: table('\t') },
  txt: {
    contentType: 'text/plain',
    render: (data) => {
      const entries = Object.entries(data);
      if (entries.length === 0) throw badRequest('No data keys in config', 'example_failed');
      if (entries.length > 1) throw badRequest('TXT is unsupported for projects with multiple sources in config', 'example_failed');
      const [key, value] = entries[0]!;
      if (typeof value !== 'string') throw badRequest(`TXT is unsupported for "${key}": its value is of type "${jsonTypeOf(value)}", not a text line`, 'example_failed');
      return `${value}\n${value}\n`;
    },
  },
};

const pad = (n: number) => String(n).padStart(2, '0');

/** sample-YYYY-MM-DD-HH-MM, server local time, as 0.8 names it. */
function sampleName(now = new Date()): string {
  return `sample-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}-${pad(now.getHours())}-${pad(now.getMinutes())}`;
}

export function examplesRouter(ctx: () => ProjectContext): Router {
  const r = Router();

  // The setup page's preview task: the config is validated as a save would (tasks and
  // completions included) and any failure is 0.8's one-line 400; /api/validate-config
  // is where the page gets the reason. A POST body is read by configBody (app.ts).
  const importExample = async (req: Request, res: Response) => {
    const fromQuery = queryString(req.query.label_config);
    const xml = fromQuery ? fromQuery : labelConfigOf(req, { json: true, raw: true });
    if (typeof xml !== 'string' || xml === '') return generationFailed();
    const result = await checkLabelConfig(ctx(), xml);
    if (!result.ok) return generationFailed();
    res.json(importExampleData(xml, result.config.root));
  };
  route(r, '/api/import-example', {
    get: importExample,
    post: importExample,
  });

  // Sample files for the import page, from the saved config, not re-validated (§3.4).
  route(r, '/api/import-example-file', {
    get: async (req, res) => {
      const q = queryString(req.query.q) ?? 'json';
      const format = Object.hasOwn(SAMPLE_FORMATS, q) ? SAMPLE_FORMATS[q]! : undefined;
      if (!format) throw badRequest(`Incorrect format ("q") in request: ${JSON.stringify(q)}; use one of ${Object.keys(SAMPLE_FORMATS).join(', ')}`, 'example_failed');
      let data: JsonObject;
      try {
        data = exampleData(parseLabelConfig((await ctx().store.config()).labelConfig).root, 'upload');
      } catch (err) {
        if (err instanceof LabelConfigError) return generationFailed();
        throw err;
      }
      const body = format.render(data);
      if (req.query.raw !== '1') {
        const name = `${sampleName()}.${q}`;
        res.set('Content-Disposition', `attachment; filename=${name}`).set('filename', name);
      }
      res.type(format.contentType).send(body);
    },
  });

  // The CSV that generated TimeSeries URLs point at (§3.5). Its header echoes ?time= and
  // ?values=, so a link could make it say "<script>": sandboxed and never sniffed as HTML.
  route(r, '/samples/time-series.csv', {
    get: (req, res) => {
      const sep = queryString(req.query.sep);
      // A separator is a character or two (or one of the aliases); a long one would be
      // repeated on every line of the answer.
      if (sep !== undefined && sep.length > MAX_SEPARATOR_LENGTH && !Object.hasOwn(SEPARATOR_ALIASES, sep)) {
        throw badRequest(`sep must be comma, dot, tab, space or at most ${MAX_SEPARATOR_LENGTH} characters`, 'example_failed');
      }
      const csv = timeSeriesCsv({
        time: queryString(req.query.time),
        values: queryString(req.query.values),
        tf: queryString(req.query.tf),
        sep,
      });
      sandbox(res).type('text/csv').set('Content-Disposition', 'inline; filename=time-series.csv').send(csv);
    },
  });

  return r;
}

// /api/project, its config, next task, import and export.
import { Router, type Request, type Response } from 'express';
import type { ProjectContext } from '../services/context.ts';
import { currentConfig, saveLabelConfig, serializeProject } from '../services/project.ts';
import { nextTask } from '../services/next.ts';
import { chooseFormat } from '../services/export.ts';
import { sendExport } from './export.ts';
import { supportedFormats } from '../exporters/registry.ts';
import { AppError } from '../errors.ts';
import { annotatorOf } from './auth.ts';
import { labelConfigOf } from './requestBody.ts';
import { route } from './methods.ts';
import { importHandler } from './import.ts';
import { patchProject } from '../services/settings.ts';
import { projectStats } from '../services/stats.ts';
import { saveStorageSettings, storageSettingsForms, syncStorages } from '../services/storage.ts';

export function projectRouter(ctx: () => ProjectContext): Router {
  const r = Router();

  route(r, '/api/project', {
    get: async (_req, res) => {
      res.json(await serializeProject(ctx()));
    },
    // POST ?new=1 is answered by http/projects.ts (before the project is resolved).
    post: async (_req, res) => {
      res.json(await serializeProject(ctx()));
    },
    patch: async (req, res) => {
      await patchProject(ctx(), req.body);
      res.status(201).json(await serializeProject(ctx()));
    },
  });

  // The body (form, JSON, XML or multipart) is read by configBody, mounted in app.ts.
  route(r, '/api/project/config', {
    post: [
      async (req: Request, res: Response) => {
        const xml = labelConfigOf(req, { json: true, raw: true });
        if (xml === undefined) throw new AppError('no_label_config', 'No label_config in request', { label_config: ['No label_config in request'] });
        if (typeof xml !== 'string') throw new AppError('no_label_config', 'can only parse strings', { label_config: ['can only parse strings'] });
        await saveLabelConfig(ctx(), xml);
        res.status(201).end();
      },
    ],
  });

  route(r, '/api/project/next', {
    get: async (req, res) => {
      const task = await nextTask(ctx(), annotatorOf(req, res));
      if (!task) {
        throw new AppError('no_more_tasks', 'No more tasks');
      }
      res.json(task);
    },
  });

  route(r, '/api/project/import', { post: importHandler(ctx) });

  route(r, '/api/project/storage-settings', {
    get: async (_req, res) => {
      res.json(await storageSettingsForms(ctx()));
    },
    post: async (req, res) => {
      await saveStorageSettings(ctx(), req.query as Record<string, unknown>, req.body);
      res.status(201).json({ result: 'ok' });
    },
  });

  // Not in 0.8: what each cloud storage did last (this server process's view).
  route(r, '/api/project/storage-status', {
    get: async (_req, res) => {
      res.json(ctx().cloud.status());
    },
  });

  // Not in 0.8: sync the source now (answered when done), retry the target's queue now.
  route(r, '/api/project/storage-sync', {
    post: async (req, res) => {
      const c = ctx();
      await syncStorages(c, req.query as Record<string, unknown>);
      res.json(c.cloud.status());
    },
  });

  route(r, '/api/project/stats', {
    get: async (_req, res) => {
      res.json(await projectStats(ctx()));
    },
  });

  route(r, '/api/project/export', {
    get: async (req, res) => {
      const c = ctx();
      const format = await chooseFormat(c, req.query.format);
      const zip = req.query.zip === '1' || req.query.zip === 'true';
      await sendExport(c, format, res, zip);
    },
  });

  route(r, '/api/project/export/formats', {
    get: async (_req, res) => {
      const formats = supportedFormats(await currentConfig(ctx()));
      res.json(formats.map((f) => ({ name: f.name, title: f.title, description: f.description })));
    },
  });

  return r;
}

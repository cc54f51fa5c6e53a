// /api/models: ML backends, predictions, training and their jobs (api.md §5.19-5.21).
import { Router, type Request, type Response } from 'express';
import { isJsonObject } from '../domain/types.ts';
import type { ProjectContext } from '../services/context.ts';
import {
  addBackend,
  cancelJob,
  listJobs,
  listModels,
  modelDetails,
  parseMode,
  parseTaskIds,
  predictData,
  removeBackend,
  requireBackends,
  requireJob,
  startPredictionJob,
  startTraining,
} from '../services/models.ts';
import type { Job } from '../ml/jobs.ts';
import { AppError } from '../errors.ts';
import { route } from './methods.ts';

/** A job started: 202 (200 for training, 0.8's status), where to follow it, and the job. */
function sendJob(res: Response, status: number, details: string, job: Job): void {
  res.status(status).location(`/api/models/jobs/${job.id}`).json({ details, job: job.toJSON() });
}

const flag = (v: unknown) => v === '1' || v === 'true';

export function modelsRouter(ctx: () => ProjectContext): Router {
  const r = Router();

  route(r, '/api/models', {
    get: async (req, res) => {
      const c = ctx();
      res.json(flag(req.query.details) ? await modelDetails(c) : await listModels(c));
    },
    post: async (req, res) => {
      res.status(201).json(await addBackend(ctx(), req.body));
    },
    delete: async (req, res) => {
      await removeBackend(ctx(), isJsonObject(req.body) ? req.body.name : req.query.name);
      res.status(204).end();
    },
  });

  route(r, '/api/models/train', {
    post: async (_req, res) => {
      // 0.8 answered 200 {"details": "Training started"}; the job is ours.
      sendJob(res, 200, 'Training started', await startTraining(ctx(), 'api'));
    },
  });

  const predictions = async (req: Request, res: Response) => {
    const c = ctx();
    // 0.8 checked for backends before anything else, whatever the mode.
    await requireBackends(c);
    const mode = parseMode(req.query.mode);
    if (mode === 'data') {
      res.json(await predictData(c, req.body));
      return;
    }
    // 0.8 took GET here too; a GET never changes data (cross-site pages can send GETs:
    // only writes are checked for their origin), so the modes that store need POST.
    if (req.method !== 'POST') {
      res.set('Allow', 'POST');
      throw new AppError('method_not_allowed', `mode=${mode} stores predictions on the tasks: use POST (GET only takes mode=data)`);
    }
    const rawIds = Array.isArray(req.query.task_ids) ? req.query.task_ids.join(',') : req.query.task_ids;
    const ids = mode === 'specific_tasks' ? parseTaskIds(rawIds, req.body) : undefined;
    sendJob(res, 202, 'Predictions started', await startPredictionJob(c, mode, ids));
  };
  route(r, '/api/models/predictions', { get: predictions, post: predictions });

  route(r, '/api/models/jobs', {
    get: (_req, res) => {
      res.json(listJobs(ctx()));
    },
  });

  route(r, '/api/models/jobs/:id', {
    get: (req, res) => {
      res.json(requireJob(ctx(), req.params.id as string).toJSON());
    },
    delete: async (req, res) => {
      res.json((await cancelJob(ctx(), req.params.id as string)).toJSON());
    },
  });

  return r;
}

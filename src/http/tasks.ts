// /api/tasks, /api/tasks/<id>, its completions, and /api/completions.
import { Router } from 'express';
import type { ProjectContext } from '../services/context.ts';
import { deleteAllTasks, deleteTask, listTasks, parseListQuery, patchTask, putTask, requireTask, taskView } from '../services/tasks.ts';
import {
  completedTaskIds,
  deleteAllCompletions,
  deleteCompletion,
  deleteTaskCompletions,
  submitCompletion,
  updateCompletion,
} from '../services/completions.ts';
import { withLivePredictions } from '../services/models.ts';
import { withSignedUrls } from '../services/storage.ts';
import { annotatorOf } from './auth.ts';
import { parseId } from './errors.ts';
import { route } from './methods.ts';

/** 0.8 took any non-empty was_cancelled as true, even "0"; only 1/true count here. */
function flag(v: unknown): boolean {
  return v === '1' || v === 'true';
}

export function tasksRouter(ctx: () => ProjectContext): Router {
  const r = Router();

  route(r, '/api/tasks', {
    get: async (req, res) => {
      res.json(await listTasks(ctx(), parseListQuery(req.query as Record<string, unknown>)));
    },
    delete: async (_req, res) => {
      await deleteAllTasks(ctx());
      res.status(204).end();
    },
  });

  route(r, '/api/tasks/:id', {
    get: async (req, res) => {
      const id = parseId(req.params.id, 'task id');
      const c = ctx();
      const view = await withLivePredictions(c, await withSignedUrls(c, taskView(await requireTask(c, id))));
      if (req.query.pretty) res.type('application/json').send(JSON.stringify(view, null, 2) + '\n');
      else res.json(view);
    },
    patch: async (req, res) => {
      res.json(await patchTask(ctx(), parseId(req.params.id, 'task id'), req.body));
    },
    post: async (req, res) => {
      const { created, task } = await putTask(ctx(), parseId(req.params.id, 'task id'), req.body);
      res.status(created ? 201 : 200).json(task);
    },
    delete: async (req, res) => {
      await deleteTask(ctx(), parseId(req.params.id, 'task id'));
      res.status(204).end();
    },
  });

  route(r, '/api/tasks/:id/completions', {
    // Not routed in 0.8 (404); the completions list is a harmless addition.
    get: async (req, res) => {
      const id = parseId(req.params.id, 'task id');
      res.json((await requireTask(ctx(), id)).file?.completions ?? []);
    },
    post: async (req, res) => {
      const id = await submitCompletion(ctx(), parseId(req.params.id, 'task id'), req.body, flag(req.query.was_cancelled), annotatorOf(req, res));
      res.status(201).json({ id });
    },
    delete: async (req, res) => {
      const c = ctx();
      const id = parseId(req.params.id, 'task id');
      await requireTask(c, id); // 404 before 422
      await deleteTaskCompletions(c, id);
      res.status(204).end();
    },
  });

  route(r, '/api/tasks/:id/completions/:cid', {
    patch: async (req, res) => {
      // LSF acts on an unsaved completion with the id "null".
      if (req.params.cid === 'null') return void res.status(200).json({ detail: 'completion id is null' });
      await updateCompletion(ctx(), parseId(req.params.id, 'task id'), parseId(req.params.cid, 'completion id'), req.body);
      res.status(201).json({ detail: 'ok' });
    },
    delete: async (req, res) => {
      if (req.params.cid === 'null') return void res.status(200).json({ detail: 'completion id is null' });
      await deleteCompletion(ctx(), parseId(req.params.id, 'task id'), parseId(req.params.cid, 'completion id'));
      res.status(204).end();
    },
  });

  route(r, '/api/completions', {
    get: async (_req, res) => {
      res.json({ ids: await completedTaskIds(ctx()) });
    },
    delete: async (_req, res) => {
      await deleteAllCompletions(ctx());
      res.status(201).json({ detail: 'done' });
    },
  });

  return r;
}

// /api/import-example, /api/import-example-file, /samples/time-series.csv (config-and-import §3).
import { Router } from 'express';
import type { ProjectContext } from '../services/context.ts';

export function examplesRouter(_ctx: () => ProjectContext, _limits: { body: number }): Router {
  const r = Router();
  return r;
}

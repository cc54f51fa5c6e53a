// GET /data/upload/<file>: files stored by imports (api.md §5.22).
import { Router } from 'express';
import type { ProjectContext } from '../services/context.ts';

export function dataRouter(_ctx: () => ProjectContext): Router {
  const r = Router();
  return r;
}

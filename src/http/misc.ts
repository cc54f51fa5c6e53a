// /version, /api/health, /api/states, /api/validate-config, /api/templates.
import { Router } from 'express';
import { readFileSync } from 'node:fs';
import type { ProjectContext } from '../services/context.ts';
import { checkLabelConfig } from '../services/project.ts';
import { AppError } from '../errors.ts';
import { invalidLabelConfig } from '../services/project.ts';
import { route } from './methods.ts';
import { labelConfigOf } from './requestBody.ts';
import { FRONTEND } from '../pages/frontend.ts';
import { configTemplates } from '../labelConfig/templates.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

/** What GET /version answers (and `labelstream version` prints). */
export function versionInfo(): Record<string, unknown> {
  // 0.8 sent its bundle's version.json here; ours names the npm package the page loads.
  return { 'label-studio-backend': pkg.version, server: pkg.name, 'label-studio-frontend': { package: FRONTEND.package, version: FRONTEND.version } };
}

/**
 * The health check's path, with or without its trailing slash, in any case (routing
 * ignores case). It stays open to probes: no auth, any Host.
 */
export function isHealthCheck(path: string): boolean {
  return /^\/api\/health\/?$/i.test(path);
}

/**
 * GET /api/health alone, mounted right after the headers every answer carries: it is open
 * anyway (no auth, any Host), and probes and load balancers call it all day, so it skips
 * the rest of the chain (bench/health-vs-hello.ts).
 */
export function healthRouter(): Router {
  const r = Router();
  route(r, '/api/health', {
    get: (_req, res) => {
      res.json({ status: 'up' });
    },
  });
  return r;
}

export function miscRouter(ctx: () => ProjectContext): Router {
  const r = Router();

  route(r, '/version', {
    get: (_req, res) => {
      res.json(versionInfo());
    },
  });

  // The setup page's templates: 0.8's example configs ({name, title, category, config}).
  route(r, '/api/templates', {
    get: async (_req, res) => {
      res.json(await configTemplates());
    },
  });

  route(r, '/api/states', {
    get: (_req, res) => {
      res.json({ status: 'done' });
    },
  });

  route(r, '/api/validate-config', {
    post: [
      // Form field, JSON {"label_config"} or a raw XML body (read by configBody, app.ts).
      // 0.8's exact replies: 417 with a text body when there is no config,
      // 400 {"label_config": [message]}, 204 when valid.
      async (req, res) => {
        const xml = labelConfigOf(req, { json: true, raw: true });
        if (xml === undefined || xml === null) {
          throw new AppError('no_label_config_in_post', 'No label_config in POST');
        }
        if (typeof xml !== 'string') throw invalidLabelConfig(['can only parse strings']);
        const result = await checkLabelConfig(ctx(), xml);
        if (!result.ok) throw invalidLabelConfig(result.errors);
        res.status(204).end();
      },
    ],
  });

  return r;
}

// The error catalogue is the documentation of the server's error answers: this table is
// the list a client can rely on (a code never changes its status), and every code in it is
// raised somewhere in src/ (no dead entries).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../src/errors.ts';

const EXPECTED: Record<ErrorCode, number> = {
  bad_request: 400,
  bad_id: 400,
  malformed_json: 400,
  too_deep: 400,
  bad_multipart: 400,
  invalid_label_config: 400,
  no_label_config: 400,
  import_failed: 400,
  invalid_completion: 400,
  invalid_task: 400,
  invalid_settings: 400,
  missing_format: 400,
  unknown_format: 400,
  unsupported_format: 400,
  single_project: 400,
  example_failed: 400,
  no_ml_backend: 400,
  invalid_storage_settings: 400,
  storage_update_failed: 400,
  invalid_ml_backend: 400,
  unauthorized: 401,
  cross_site_request: 403,
  local_files_disabled: 403,
  not_found: 404,
  ml_backend_not_found: 404,
  job_not_found: 404,
  file_not_found: 404,
  no_more_tasks: 404,
  no_route: 404,
  project_not_found: 404,
  method_not_allowed: 405,
  project_exists: 409,
  ml_backend_exists: 409,
  upload_conflict: 409,
  ml_job_running: 409,
  ml_training_running: 409,
  body_too_large: 413,
  config_body_too_large: 413,
  import_too_large: 413,
  wrong_content_type: 415,
  no_label_config_in_post: 417,
  host_not_allowed: 421,
  bad_page: 422,
  invalid_prediction_request: 422,
  delete_not_allowed: 422,
  too_many_failed_logins: 429,
  internal: 500,
  ml_backend_unreachable: 502,
  ml_backend_failed: 502,
  cloud_storage_unreachable: 502,
  ml_backend_timeout: 504,
  project_unavailable: 503,
  storage_unavailable: 503,
  disk_full: 507,
};

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

async function sourceText(): Promise<string> {
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts') && f !== 'errors.ts');
  return (await Promise.all(files.map((f) => readFile(join(SRC, f), 'utf8')))).join('\n');
}

describe('the error catalogue', () => {
  it('lists every code with its status', () => {
    const actual = Object.fromEntries(Object.entries(ERROR_CATALOGUE).map(([code, e]) => [code, e.status]));
    expect(actual).toEqual(EXPECTED);
  });

  it('says what each error means', () => {
    for (const [code, e] of Object.entries(ERROR_CATALOGUE)) expect(e.means.length, code).toBeGreaterThan(10);
  });

  it('has no code that nothing raises', async () => {
    const text = await sourceText();
    // Raised by the helpers of errors.ts itself (notFound, storageError).
    const raisedInCatalogue = new Set(['not_found', 'disk_full', 'storage_unavailable']);
    const unused = Object.keys(ERROR_CATALOGUE).filter((code) => !raisedInCatalogue.has(code) && !text.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  it('sends one body shape: status, code, detail and the extra fields', () => {
    const err = new AppError('import_failed', 'Error at item 0', { errors: ['Error at item 0'] });
    expect(err.status).toBe(400);
    expect(err.body()).toEqual({ status: 400, code: 'import_failed', detail: 'Error at item 0', errors: ['Error at item 0'] });
  });
});

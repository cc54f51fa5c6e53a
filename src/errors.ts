// The error catalogue: every error the server answers with has a stable code, one status
// and a line saying what it means. Any layer may raise one (they are not HTTP objects, only
// numbered like them); http/errorHandler.ts sends it as JSON and the request log names its
// code. test/errors.test.ts lists every code with its status, so this table is the
// documentation of the error answers.
//
// Every body has one shape: {"status", "code", "detail", ...extra}. Label Studio 0.8 sent
// a few routes' errors in shapes of their own (a bare list for import errors, {"detail"}
// for a 422, plain text for a missing config); what 0.8's pages read from those is kept as
// an extra field (errors, label_config), so the same clients still find it.

export const ERROR_CATALOGUE = {
  // 400: the request is wrong; detail names the field, the item or the line.
  bad_request: { status: 400, means: 'A value in the request is invalid; detail names it.' },
  bad_id: { status: 400, means: 'A task or completion id in the path is not a whole number in range.' },
  malformed_json: { status: 400, means: 'The JSON body does not parse.' },
  too_deep: { status: 400, means: 'The JSON body nests deeper than the server reads.' },
  bad_multipart: { status: 400, means: 'The multipart body cannot be read (no boundary, cut short, too many fields).' },
  invalid_label_config: { status: 400, means: 'The labeling config is refused; label_config lists the reasons.' },
  no_label_config: { status: 400, means: 'A config route got no label_config.' },
  import_failed: { status: 400, means: 'Nothing was imported; errors lists one message per bad item or file.' },
  invalid_completion: { status: 400, means: 'The completion is not an object with a result list, or names what the config lacks.' },
  invalid_task: { status: 400, means: 'The task body is not a task the config can show.' },
  invalid_settings: { status: 400, means: 'A project setting has a wrong name or value.' },
  missing_format: { status: 400, means: 'An export without ?format=.' },
  unknown_format: { status: 400, means: 'An export format that does not exist.' },
  unsupported_format: { status: 400, means: 'An export format the current labeling config cannot produce.' },
  single_project: { status: 400, means: 'A multi-project request to a server that serves one project.' },
  example_failed: { status: 400, means: 'No example task can be made for this config, or the example request is malformed.' },
  no_ml_backend: { status: 400, means: 'An ML route needs a backend and the project has none (detail is 0.8\'s "No ML backend").' },
  invalid_storage_settings: { status: 400, means: 'Storage settings refused (api.md §5.12); errors names each field with its messages, as 0.8\'s form did.' },
  storage_update_failed: { status: 400, means: 'The cloud storage could not be set up (no such bucket, no access, an endpoint CLOUD_STORAGE_ALLOW does not let through); nothing was changed.' },
  invalid_ml_backend: { status: 400, means: 'An ML backend name or URL is wrong, or its address is one ML_BACKEND_ALLOW does not let through.' },
  // 401-429: who may do what.
  unauthorized: { status: 401, means: 'HTTP Basic credentials are missing or wrong.' },
  cross_site_request: { status: 403, means: 'A write from a page of another origin (Origin, Sec-Fetch-Site); ALLOWED_ORIGINS lets listed origins write.' },
  local_files_disabled: { status: 403, means: '/data/<path> needs ALLOW_SERVING_LOCAL_FILES=true.' },
  not_found: { status: 404, means: 'No such task or completion.' },
  ml_backend_not_found: { status: 404, means: 'No ML backend of that name in the project.' },
  job_not_found: { status: 404, means: 'No ML job with that id (jobs live in the server process; a restart forgets them).' },
  file_not_found: { status: 404, means: 'No such file under /data/.' },
  no_more_tasks: { status: 404, means: '/api/project/next has no unlabeled task free for this annotator.' },
  no_route: { status: 404, means: 'No route for this path.' },
  project_not_found: { status: 404, means: 'No project of that name (?project=, a project switch); POST /api/projects creates one.' },
  project_exists: { status: 409, means: 'POST /api/projects with the name of a project that exists.' },
  method_not_allowed: { status: 405, means: 'The route exists, not for this method; Allow lists the methods.' },
  upload_conflict: { status: 409, means: 'An uploaded file\'s name (<md5>-<name>) is taken by a file with other bytes (an md5 collision); nothing was imported.' },
  ml_backend_exists: { status: 409, means: 'An ML backend of that name is already connected to the project.' },
  ml_job_running: { status: 409, means: 'A prediction job is already running or queued; job is that job (cancel it or wait).' },
  ml_training_running: { status: 409, means: 'A training job is running (here or in the backend); a new one is not started.' },
  body_too_large: { status: 413, means: 'The request body is over its limit.' },
  config_body_too_large: { status: 413, means: 'A config route got a body over about 2 MB (a config is at most 1 MB); the connection is closed.' },
  import_too_large: { status: 413, means: 'The import is over a limit (tasks, bytes, archive members); errors says which.' },
  wrong_content_type: { status: 415, means: 'The body was sent with a Content-Type that does not match it.' },
  no_label_config_in_post: { status: 417, means: '/api/validate-config got no label_config (0.8 answered 417 as well).' },
  host_not_allowed: { status: 421, means: 'The Host header names a host this server does not answer to (DNS rebinding); ALLOWED_HOSTS adds names.' },
  bad_page: { status: 422, means: 'page, page_size or order of a task list is out of range.' },
  invalid_prediction_request: { status: 422, means: '/api/models/predictions got an unknown mode, no task data, or task_ids that are not a list of ids (0.8 answered 422).' },
  delete_not_allowed: { status: 422, means: 'The project does not allow deleting completions (allow_delete_completions).' },
  too_many_failed_logins: { status: 429, means: 'Too many failed logins from this address; Retry-After says when to try again.' },
  // 5xx: the server or what it stands on.
  internal: { status: 500, means: 'A bug in this server; the log has the request id and the stack.' },
  ml_backend_unreachable: { status: 502, means: 'No ML backend could be reached (connection refused, DNS, or none answers /health); nothing was changed.' },
  ml_backend_failed: { status: 502, means: 'An ML backend answered with an error or with something that is not what its protocol says; detail quotes it.' },
  cloud_storage_unreachable: { status: 502, means: 'The cloud storage could not be reached while setting it up (connection refused, DNS, timeout); nothing was changed.' },
  ml_backend_timeout: { status: 504, means: 'An ML backend did not answer within its timeout (ML_TIMEOUT_*).' },
  project_unavailable: { status: 503, means: 'The project cannot be opened (a damaged folder); detail names it and why. Other projects keep serving.' },
  storage_unavailable: { status: 503, means: 'The project store cannot be written or reached (an I/O error); retry later.' },
  disk_full: { status: 507, means: 'The disk holding the project folder is full; nothing was changed. Writes resume once there is space.' },
} as const satisfies Record<string, { status: number; means: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Fields sent beside status, code and detail (errors, label_config, request_id). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = ERROR_CATALOGUE[code].status;
  }

  body(): Record<string, unknown> {
    return { status: this.status, code: this.code, detail: this.message, ...this.extra };
  }
}

export const appError = (code: ErrorCode, detail: string, extra?: Record<string, unknown>) => new AppError(code, detail, extra);
export const badRequest = (detail: string, code: ErrorCode = 'bad_request') => new AppError(code, detail);
export const notFound = (detail: string) => new AppError('not_found', detail);

/** Errno codes that mean the disk has no room: the request is refused with 507. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/** Whether err is an error of the machine (a failed system call), not a bug or bad input. */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * A failed write of the store as the client sees it: 507 when the disk is full, 503 for
 * any other I/O error, both naming the folder (the operator has to look there).
 */
export function storageError(err: NodeJS.ErrnoException, folder: string): AppError {
  if (NO_SPACE.has(err.code ?? '')) {
    return new AppError('disk_full', `No space left on the disk holding ${folder}; nothing was changed. Free some space and retry.`);
  }
  return new AppError('storage_unavailable', `Could not write to ${folder} (${err.code ?? 'I/O error'}: ${err.message}); nothing was changed. Retry later.`);
}

// Settings come only from environment variables, parsed and checked once at start-up.
// A wrong value stops the start with a message that names the variable.
import { isIP } from 'node:net';
import { z } from 'zod';
import { ALLOW_NOTHING, parseAllowList } from './net/addresses.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const byteSize = z
  .string()
  .regex(/^\d+(kb|mb|gb|b)?$/i, 'a number of bytes, optionally with kb, mb or gb')
  .transform((v) => {
    const m = /^(\d+)(kb|mb|gb|b)?$/i.exec(v)!;
    const unit = (m[2] ?? 'b').toLowerCase();
    const mult = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
    return Number(m[1]) * mult;
  });

/** Comma-separated host names, addresses and CIDR ranges (net/addresses.ts). */
const allowList = z.string().transform((v, ctx) => {
  try {
    return parseAllowList(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** ML backend timeouts are seconds, as current Label Studio names and documents them; 0.5 is allowed. */
const seconds = z.string().regex(/^\d+(\.\d+)?$/, 'a number of seconds (0.5 allowed)').transform(Number).pipe(z.number().positive());

/**
 * Where ML backends may be although it is not the public internet: the same machine and
 * private networks (a backend beside the server, in a container network, on the LAN).
 * Left out on purpose: link-local (169.254/16, fe80::/10: cloud metadata services),
 * unique-local IPv6 (fc00::/7: AWS's metadata service at fd00:ec2::254), CGNAT and the
 * special ranges; an operator adds them by listing them.
 */
export const DEFAULT_ML_BACKEND_ALLOW = '127.0.0.0/8,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16';

/** An allow list that may also be "none" (an empty value means the default). */
const allowListOrNone = z.string().transform((v, ctx) => {
  if (v.trim().toLowerCase() === 'none') return ALLOW_NOTHING;
  try {
    return parseAllowList(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** An http(s) URL, or empty. */
const httpUrl = z.string().refine((v) => {
  if (v === '') return true;
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, 'an http:// or https:// URL');

const positiveInt = z.string().regex(/^\d+$/, 'a whole number').transform(Number).pipe(z.number().int().positive());
const wholeNumber = z.string().regex(/^\d+$/, 'a whole number').transform(Number).pipe(z.number().int().min(0));

/** A comma-separated list; blanks between commas are ignored. */
function commaList<T>(parseItem: (item: string) => T | undefined, what: string) {
  return z.string().transform((v, ctx) => {
    const out: T[] = [];
    for (const raw of v.split(',')) {
      const item = raw.trim();
      if (item === '') continue;
      const parsed = parseItem(item);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(item)} is not ${what}` });
        return z.NEVER;
      }
      out.push(parsed);
    }
    return out;
  });
}

/** "https://labels.example.com" → itself; a path, query or other scheme is refused (an origin has none). */
function parseOrigin(item: string): string | undefined {
  let url: URL;
  try {
    url = new URL(item);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) return undefined;
  return url.origin;
}

/** A host name or IP address as a Host header carries it, lower-case, without port. */
function parseHostName(item: string): string | undefined {
  const host = item.toLowerCase().replace(/\.$/, '');
  if (/^\[[0-9a-f:.]+\]$/.test(host) && isIP(host.slice(1, -1)) === 6) return host;
  if (isIP(host) === 6) return `[${host}]`;
  return /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(host) ? host : undefined;
}

/**
 * Express's "trust proxy": off, a number of proxy hops, or the proxies' addresses
 * (IPs, CIDR ranges, or loopback / linklocal / uniquelocal). "true" (trust every client's
 * X-Forwarded-For) is refused: any client could then choose its own address and walk
 * round the failed-login limit.
 */
const trustProxy = z.string().transform((v, ctx): false | number | string[] => {
  const value = v.trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') {
    ctx.addIssue({ code: 'custom', message: 'true would believe any client that sends X-Forwarded-For; name the proxies (e.g. loopback) or give a hop count' });
    return z.NEVER;
  }
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const e of entries) {
    const [address, bits, extra] = e.split('/');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(e);
    const family = isIP(address ?? '');
    const cidr = extra === undefined && family !== 0 && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
    if (!named && !cidr) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(e)} is not a proxy address: use a hop count, IP addresses, CIDR ranges, loopback, linklocal or uniquelocal` });
      return z.NEVER;
    }
  }
  return entries;
});

export const settingsSchema = z.object({
  PORT: z.string().regex(/^\d+$/, 'a port number').transform(Number).pipe(z.number().int().min(0).max(65535)).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  PROJECTS_DIR: z.string().min(1).default('./projects'),
  PROJECT: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a folder name (letters, digits, . _ -)')
    .default('default'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AUTH_USERNAME: z.string().min(1).default('ls'),
  AUTH_PASSWORD: z.string().default(''),
  /** Failed logins one client address may make within AUTH_FAILURE_WINDOW_SECONDS before it gets 429. */
  AUTH_MAX_FAILURES: positiveInt.pipe(z.number().max(1000)).default(10),
  AUTH_FAILURE_WINDOW_SECONDS: positiveInt.default(60),
  /** Origins (scheme://host[:port]) besides the server's own whose pages may send changes. */
  ALLOWED_ORIGINS: commaList(parseOrigin, 'an origin such as https://labels.example.com').default([]),
  /** Host names the server answers to besides localhost names (and HOST itself). */
  ALLOWED_HOSTS: commaList(parseHostName, 'a host name or IP address (without scheme or port)').default([]),
  /** Proxies whose X-Forwarded-For/-Proto/-Host are believed (client address, scheme, host). */
  TRUST_PROXY: trustProxy.default(false),
  /** Largest JSON or XML request body. */
  MAX_BODY_SIZE: byteSize.default(200 * 1024 ** 2),
  /** Largest upload request (multipart) and URL download. */
  MAX_UPLOAD_SIZE: byteSize.default(200 * 1024 ** 2),
  /**
   * postgres://user:password@host:port/database keeps projects in PostgreSQL (several
   * servers may share it); empty keeps them in folders under PROJECTS_DIR.
   */
  STORE_URL: z.string().default(''),
  /**
   * Multi-session mode (Label Studio 0.8's start-multi-session): every browser session gets
   * a project of its own, under PROJECTS_DIR/<user uuid>/<project uuid>/.
   */
  MULTI_SESSION: bool.default(false),
  /** Key that signs session cookies; empty: one made and kept in PROJECTS_DIR/.session-secret. */
  SESSION_SECRET: z.string().default(''),
  /** Most data keys one task may hold (a 1,000,000-column CSV made every later check walk them). */
  MAX_DATA_KEYS: positiveInt.default(1000),
  /** Most tasks one import may create. */
  MAX_TASKS_PER_IMPORT: positiveInt.default(250_000),
  /** How long /api/project/next keeps a task for the annotator it was handed to. */
  RESERVATION_SECONDS: positiveInt.default(600),
  /** Journal size that triggers a checkpoint. */
  CHECKPOINT_BYTES: byteSize.default(64 * 1024 ** 2),
  /** Public base URL put in front of /data/upload/... in imported tasks ('' = relative URLs). */
  PUBLIC_URL: z.string().default(''),
  ALLOW_SERVING_LOCAL_FILES: bool.default(false),
  // ML backends (src/ml/): each call has its own timeout, in seconds, with the names and
  // defaults current Label Studio documents; a timeout counts as the backend failing.
  /** Time to open the connection to a backend. */
  ML_CONNECTION_TIMEOUT: seconds.default(1),
  ML_TIMEOUT_HEALTH: seconds.default(1),
  ML_TIMEOUT_SETUP: seconds.default(3),
  /** One /predict call of a background job or of /api/models/predictions?mode=data. */
  ML_TIMEOUT_PREDICT: seconds.default(100),
  /** /train and the START_TRAINING webhook (a backend without a job queue trains inside the call). */
  ML_TIMEOUT_TRAIN: seconds.default(100),
  ML_TIMEOUT_DELETE: seconds.default(1),
  /**
   * /job_status and /is_training, asked before a training starts while the client waits.
   * (Current Label Studio's ML_TIMEOUT_DEFAULT has no call left to govern here.)
   */
  ML_TIMEOUT_TRAIN_JOB_STATUS: seconds.default(1),
  /**
   * The whole time /api/project/next and GET /api/tasks/<id> may spend asking the backends
   * for a task that has no stored prediction (health, setup and predict together): what a
   * slow or dead backend may cost an annotator per task (0.8 had no limit).
   */
  ML_TIMEOUT_LIVE_PREDICT: seconds.default(2),
  /** Tasks sent in one /predict call by prediction jobs. */
  ML_PREDICT_BATCH_SIZE: positiveInt.pipe(z.number().max(10_000)).default(32),
  /** Non-public hosts and ranges ML backends may be at ("none": public addresses only). */
  ML_BACKEND_ALLOW: allowListOrNone.default(parseAllowList(DEFAULT_ML_BACKEND_ALLOW)),
  /** Time a URL import's download may take, in milliseconds. */
  URL_IMPORT_TIMEOUT_MS: positiveInt.default(120_000),
  /** Time an export may spend fetching one remote image or audio file, in milliseconds. */
  EXPORT_FETCH_TIMEOUT_MS: positiveInt.default(10_000),
  /**
   * Hosts and ranges that URL imports and exports may fetch from although they are not on
   * the public internet (loopback, private, link-local ...): none by default.
   */
  FETCH_ALLOW: allowList.default(ALLOW_NOTHING),
  // Cloud storages (src/cloud/, api.md §6.3): S3 and GCS sources and targets.
  /** How often a cloud source lists its bucket for new objects (0.8: every 30 s). */
  CLOUD_SYNC_INTERVAL_SECONDS: seconds.default(30),
  /** Time one call to a cloud storage may take (listing a page, reading or writing an object). */
  CLOUD_TIMEOUT_SECONDS: seconds.default(30),
  /**
   * Hosts and ranges cloud storage endpoints may be at although they are not public (a
   * MinIO beside the server: 127.0.0.1, 10.0.0.0/8 ...): none by default. A storage's
   * endpoint_url is chosen by whoever may change the project's settings, so it is checked
   * like a URL import's host.
   */
  CLOUD_STORAGE_ALLOW: allowList.default(ALLOW_NOTHING),
  /** S3 endpoint for storages that name none (MinIO, another S3-compatible service); empty: AWS. */
  S3_ENDPOINT: httpUrl.default(''),
  /** Region of S3 storages that name none (0.8's S3_REGION). */
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** Google Cloud Storage JSON API endpoint for storages that name none; empty: Google's. */
  GCS_ENDPOINT: httpUrl.default(''),
  /**
   * Time a client may take to send a request's headers, in milliseconds. Node's 60 s lets
   * a client that sends a header line now and then (slowloris) hold a connection a
   * minute; a real client sends its few KB of headers in well under a second, even on a
   * slow link.
   */
  HEADERS_TIMEOUT_MS: positiveInt.default(20_000),
  /**
   * Time a client may take to send a whole request, body included, in milliseconds (0: no
   * limit). Node's 300 s would cut off a 200 MB upload (MAX_UPLOAD_SIZE) on any uplink
   * slower than about 5.6 Mbit/s, an ordinary home connection; an hour lets 200 MB through
   * at 0.45 Mbit/s. It counts receiving the request only: a long export download is not cut.
   */
  REQUEST_TIMEOUT_MS: wholeNumber.default(3_600_000),
  /**
   * How long an idle keep-alive connection stays open, in milliseconds (Node's 5 s; Node
   * closes it one second after what it tells clients). Behind a proxy or load balancer
   * that keeps idle connections open longer, set it above the proxy's idle timeout, or
   * the proxy may send a request on a connection being closed.
   */
  KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(5_000),
});

export type Settings = Readonly<z.output<typeof settingsSchema>>;

export class SettingsError extends Error {}

export type SettingName = keyof typeof settingsSchema.shape;

/**
 * Parses the environment; throws SettingsError naming each bad variable. `fromOptions`
 * names the command-line option a value came from (the CLI puts its options over the
 * environment under the settings' names), so a bad one is reported as that option.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, fromOptions: Partial<Record<SettingName, string>> = {}): Settings {
  const input: Record<string, string> = {};
  for (const key of Object.keys(settingsSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = settingsSchema
    // Node refuses a headers timeout longer than the request timeout (the headers are part
    // of the request), so say it here, naming the variables, instead of failing at listen.
    .superRefine((s, ctx) => {
      if (s.REQUEST_TIMEOUT_MS !== 0 && s.HEADERS_TIMEOUT_MS > s.REQUEST_TIMEOUT_MS) {
        ctx.addIssue({ code: 'custom', path: ['HEADERS_TIMEOUT_MS'], message: `must not be longer than REQUEST_TIMEOUT_MS (${s.HEADERS_TIMEOUT_MS} > ${s.REQUEST_TIMEOUT_MS})` });
      }
    })
    .safeParse(input);
  if (!parsed.success) {
    let fromCommandLine = false;
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0]);
      const option = fromOptions[key as SettingName];
      if (option) {
        fromCommandLine = true;
        return `${option}=${JSON.stringify(input[key])} (${key}): ${i.message}`;
      }
      return `${i.path.join('.')}${key in input ? `=${JSON.stringify(input[key])}` : ' (default)'}: ${i.message}`;
    });
    throw new SettingsError(`Bad setting ${fromCommandLine ? 'on the command line' : 'in the environment'}:\n  ${lines.join('\n  ')}`);
  }
  return Object.freeze(parsed.data);
}

/** Settings for tests and embedding: defaults plus overrides. */
export function testSettings(overrides: Partial<Record<keyof z.input<typeof settingsSchema>, string>> = {}): Settings {
  return loadSettings(overrides as NodeJS.ProcessEnv);
}

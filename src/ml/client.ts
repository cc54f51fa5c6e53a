// The outbound HTTP client for ML backends (spec ml-backend.md §2): one JSON call with its
// own timeout, classified as the spec's MLApiResult. It never throws: a backend that is
// down, slow or talking nonsense is a result that says so, and callers decide what that
// means for their request.
//
// Calls go through net/outbound.ts, the SSRF guard URL imports use: backend URLs can be
// added through the API, and a URL pointing at a cloud metadata service or at another
// machine's admin port must not turn the server into a probe. The allow list is its own
// (ML_BACKEND_ALLOW), because backends normally do live on loopback or a private network,
// which FETCH_ALLOW refuses by default. Redirects are not followed (a redirect is an
// error status here), so an allowed backend cannot bounce a call elsewhere.
import type { Readable } from 'node:stream';
import type { MlBackendEntry } from '../domain/types.ts';
import type { AllowList } from '../net/addresses.ts';
import { fetchOutbound, OutboundRefused } from '../net/outbound.ts';
import { endpointUrl } from './backends.ts';

/**
 * Which timeout a call has (ML_TIMEOUT_*). trainStatus: /job_status and /is_training, both
 * asked while a client waits for POST /api/models/train to answer.
 */
export type CallKind = 'health' | 'setup' | 'predict' | 'train' | 'delete' | 'trainStatus';

export type MlTimeouts = Record<CallKind | 'connect', number>;

/**
 * Why a call failed: no connection (refused, DNS, reset), no answer in time, an address
 * the allow list refuses, an error status, or a 2xx answer that is not JSON (or not the
 * JSON the protocol says: callers set that one).
 */
export type Failure = 'unreachable' | 'timeout' | 'refused' | 'status' | 'garbage' | 'cancelled';

export interface CallResult {
  ok: boolean;
  /** The HTTP status; 0 when there was no answer. */
  status: number;
  /** The parsed JSON body of a 2xx answer. */
  body?: unknown;
  failure?: Failure;
  /** What went wrong, for logs and error details (the backend's own message when it sent one). */
  error?: string;
  /** Milliseconds the call took. */
  ms: number;
}

export interface ClientOptions {
  timeouts: MlTimeouts;
  allow: AllowList;
  /** Largest answer read (a prediction batch of masks can be big, not unbounded). */
  maxBodyBytes: number;
  userAgent?: string;
}

/** Connection failures retried (twice, as 0.8's HTTPAdapter(max_retries=2)): nothing reached the backend. */
const RETRIED = new Set(['ECONNREFUSED']);
const RETRIES = 2;

/** Error texts quoted in details are cut here: a backend's HTML error page is not a message. */
const QUOTE_MAX = 500;

export function quote(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > QUOTE_MAX ? `${one.slice(0, QUOTE_MAX)}…` : one;
}

/** The message in a backend's error body: the SDK's {"detail"} envelope, a JSON string, or the text. */
function errorText(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'string') return quote(parsed);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { detail?: unknown }).detail === 'string') return quote((parsed as { detail: string }).detail);
  } catch {
    // not JSON: the text itself
  }
  return quote(text) || '(empty body)';
}

async function readText(body: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw Object.assign(new Error(`the answer is larger than ${max} bytes`), { code: 'ETOOBIG' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class MlClient {
  constructor(readonly options: ClientOptions) {}

  timeoutMs(kind: CallKind): number {
    return this.options.timeouts[kind];
  }

  /**
   * One call: GET without a body, or POST with `body` as JSON. `signal` (a job's cancel, or
   * the deadline of a live prediction) ends it early, as a timeout when its reason is one.
   */
  async call(backend: MlBackendEntry, method: 'GET' | 'POST', suffix: string, kind: CallKind, body?: unknown, signal?: AbortSignal): Promise<CallResult> {
    const started = Date.now();
    const ms = () => Date.now() - started;
    const limitMs = this.timeoutMs(kind);
    const timeout = AbortSignal.timeout(limitMs);
    const all = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'label-studio/ labelstream', accept: 'application/json' };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (typeof backend.basic_auth_user === 'string' && typeof backend.basic_auth_pass === 'string') {
      headers.authorization = `Basic ${Buffer.from(`${backend.basic_auth_user}:${backend.basic_auth_pass}`).toString('base64')}`;
    }
    let url: URL;
    try {
      url = endpointUrl(backend.url, suffix);
    } catch {
      return { ok: false, status: 0, failure: 'unreachable', error: `${JSON.stringify(backend.url)} is not a URL`, ms: ms() };
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetchOutbound(url, {
          allow: this.options.allow,
          allowSetting: 'ML_BACKEND_ALLOW',
          method,
          ...(payload !== undefined && { body: payload }),
          headers,
          connectTimeoutMs: Math.min(this.options.timeouts.connect, limitMs),
          signal: all,
          maxRedirects: 0,
        });
        const text = await readText(res.body, this.options.maxBodyBytes);
        if (res.status < 200 || res.status > 299) {
          return { ok: false, status: res.status, failure: 'status', error: `${method} ${suffix} answered ${res.status}: ${errorText(text)}`, ms: ms() };
        }
        try {
          return { ok: true, status: res.status, body: JSON.parse(text) as unknown, ms: ms() };
        } catch {
          return { ok: false, status: res.status, failure: 'garbage', error: `${method} ${suffix} answered ${res.status} with something that is not JSON: ${quote(text) || '(empty body)'}`, ms: ms() };
        }
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (RETRIED.has(e.code ?? '') && attempt < RETRIES && !all.aborted) continue;
        if (timeout.aborted) return { ok: false, status: 0, failure: 'timeout', error: `${method} ${suffix}: no answer within ${limitMs / 1000} s`, ms: ms() };
        if (signal?.aborted) {
          const reason = signal.reason as Error | undefined;
          const timedOut = reason?.name === 'TimeoutError';
          return { ok: false, status: 0, failure: timedOut ? 'timeout' : 'cancelled', error: `${method} ${suffix}: ${timedOut ? 'no answer in the time left' : 'cancelled'}`, ms: ms() };
        }
        if (e.code === 'ECONNTIMEOUT') return { ok: false, status: 0, failure: 'timeout', error: `${method} ${suffix}: ${e.message}`, ms: ms() };
        if (err instanceof OutboundRefused) return { ok: false, status: 0, failure: 'refused', error: e.message, ms: ms() };
        if (e.code === 'ETOOBIG') return { ok: false, status: 0, failure: 'garbage', error: `${method} ${suffix}: ${e.message}`, ms: ms() };
        return { ok: false, status: 0, failure: 'unreachable', error: `${method} ${suffix}: ${e.code ? `${e.code} ` : ''}${e.message}`, ms: ms() };
      }
    }
  }
}

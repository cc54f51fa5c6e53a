// A store whose engine could not be opened yet (a database that is down at start): the
// server starts anyway, every request that needs the store gets a 503 naming the setting,
// and opening is retried in the background until it works; from then on the real store
// answers, without a restart.
import { AppError } from '../errors.ts';
import type { ProjectStore } from './store.ts';

/** The methods of ProjectStore (store.ts), refused with a 503 until the engine opens. */
const STORE_METHODS = new Set([
  'config',
  'saveConfig',
  'configFacts',
  'taskData',
  'counts',
  'page',
  'get',
  'completedIds',
  'completionFiles',
  'dataHashesPresent',
  'sourceKeysSeen',
  'addTasks',
  'changeTask',
  'deleteTask',
  'deleteAllTasks',
  'changeCompletions',
  'deleteAllCompletions',
  'next',
  'completionIdMarks',
  'rememberCompletionIds',
  'put',
  'remove',
  'list',
]);

/** Methods of ProjectStore that return an async iterable rather than a promise. */
const ITERABLES = new Set(['taskData', 'completionFiles', 'list']);

export interface RetryOptions {
  name: string;
  location: string;
  /** Opens the real store; rejects while the engine cannot be reached. */
  open: () => Promise<ProjectStore>;
  /** The 503 requests get meanwhile. */
  unavailable: () => AppError;
  retryMs?: number;
  onOpen?: () => void;
  onRetryFailed?: (err: unknown) => void;
}

export function storeWhenReachable(options: RetryOptions): ProjectStore {
  let real: ProjectStore | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const attempt = async () => {
    if (stopped) return;
    try {
      const store = await options.open();
      if (stopped) return void (await store.close().catch(() => {}));
      real = store;
      options.onOpen?.();
    } catch (err) {
      options.onRetryFailed?.(err);
      timer = setTimeout(attempt, options.retryMs ?? 2000);
      timer.unref();
    }
  };
  timer = setTimeout(attempt, options.retryMs ?? 2000);
  timer.unref();

  const refuse = (prop: string) => {
    if (ITERABLES.has(prop)) {
      return () => ({
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(options.unavailable()) }),
      });
    }
    return () => Promise.reject(options.unavailable());
  };
  const uploads = new Proxy({} as ProjectStore['uploads'], {
    get: (_t, prop) => {
      if (real) {
        const v = Reflect.get(real.uploads, prop, real.uploads) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real.uploads) : v;
      }
      return typeof prop === 'string' && STORE_METHODS.has(prop) ? refuse(prop) : undefined;
    },
  });

  return new Proxy({} as ProjectStore, {
    get(_t, prop) {
      if (prop === 'name') return options.name;
      if (prop === 'location') return options.location;
      if (real) {
        const v = Reflect.get(real, prop, real) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
      }
      if (prop === 'uploads') return uploads;
      if (prop === 'close') {
        return async () => {
          stopped = true;
          clearTimeout(timer);
        };
      }
      // Only the store's own methods answer; anything else (`then`, symbols) is absent, so
      // the proxy is never taken for a promise.
      return typeof prop === 'string' && STORE_METHODS.has(prop) ? refuse(prop) : undefined;
    },
  });
}

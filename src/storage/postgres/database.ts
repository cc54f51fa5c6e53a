// One PostgreSQL database (STORE_URL) and its connection pool, shared by every project a
// server opens on it. Connecting runs the migrations. Every call goes through query() or
// transaction() here, which bound the time a call may take and turn a lost or unreachable
// database into AppError('storage_unavailable') (503), so requests fail fast while it is
// down and work again once it is back: the pool drops broken connections and opens new ones.
import pg from 'pg';
import { AppError } from '../../errors.ts';
import { asStoreError, checkStoreUrl, describeUrl, isUnavailable, unavailable } from './errors.ts';
import { migrate, readMigrations } from './migrate.ts';

/** The little of a pino logger the engine uses. */
export interface StoreLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DatabaseOptions {
  url: string;
  log?: StoreLog;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Time to open a connection, in ms (default 5000). */
  connectTimeoutMs?: number;
  /** Time one statement may run, in ms (default 30000); the client gives up a little later (up to 5 s). */
  statementTimeoutMs?: number;
  /** Time a migration (and the wait for another server's migrations) may take, in ms (default 300000). */
  migrationTimeoutMs?: number;
}

/** bigint (int8) as a JS number: task and completion ids and counts stay below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

/** What runs a statement: a pooled connection in a transaction, or the database itself. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface TransactionOptions {
  isolation?: 'repeatable read';
  readOnly?: boolean;
  /**
   * Statements sent with BEGIN in the same round trip (no parameters: only text the
   * engine builds itself, such as SET LOCAL or an advisory lock on numbers).
   */
  setup?: string[];
  /** The client-side limit of each statement, when a setup statement raised the server's. */
  queryTimeoutMs?: number;
}

export class PostgresDatabase {
  readonly description: string;
  private down = false;
  private closed = false;

  private constructor(
    readonly url: string,
    readonly pool: pg.Pool,
    private readonly log: StoreLog | undefined,
  ) {
    this.description = describeUrl(url);
    // An idle connection that breaks (the server restarted) is dropped by the pool; without
    // a listener the error would end the process.
    pool.on('error', (err) => this.noteFailure(err));
  }

  /**
   * Connects, checks the database answers and applies the migrations it lacks. A bad
   * STORE_URL throws StoreUrlError; a database that cannot be reached, the 503 AppError,
   * both naming STORE_URL.
   */
  static async connect(options: DatabaseOptions): Promise<PostgresDatabase> {
    checkStoreUrl(options.url);
    const statementTimeout = options.statementTimeoutMs ?? 30_000;
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'labelstream',
      statement_timeout: statementTimeout,
      // The server enforces statement_timeout; this catches a server that stopped answering
      // at all (a frozen host), so no request waits forever.
      query_timeout: statementTimeout + Math.min(statementTimeout, 5000),
      // A transaction left open by a process that froze must not hold its locks forever.
      idle_in_transaction_session_timeout: 60_000,
      types,
    });
    const db = new PostgresDatabase(options.url, pool, options.log);
    try {
      const client = await pool.connect();
      try {
        await client.query(`SET statement_timeout = ${Math.floor(options.migrationTimeoutMs ?? 300_000)}`);
        const applied = await migrate(client, await readMigrations());
        await client.query('RESET statement_timeout');
        if (applied.length) options.log?.info({ store: db.description, applied }, 'database schema migrated');
        client.release();
      } catch (err) {
        client.release(true);
        throw err;
      }
    } catch (err) {
      await pool.end().catch(() => {});
      if (isUnavailable(err)) throw unavailable(err as Error, options.url);
      throw err;
    }
    return db;
  }

  private noteFailure(err: Error): void {
    if (!isUnavailable(err)) {
      this.log?.error({ err, store: this.description }, 'database error');
      return;
    }
    if (this.down) return;
    this.down = true;
    this.log?.error({ store: this.description, err: err.message }, 'the database at STORE_URL cannot be reached; requests get 503 until it is back');
  }

  private noteSuccess(): void {
    if (!this.down) return;
    this.down = false;
    this.log?.info({ store: this.description }, 'the database at STORE_URL is reachable again');
  }

  private fail(err: unknown): unknown {
    if (isUnavailable(err)) this.noteFailure(err as Error);
    return asStoreError(err, this.url);
  }

  private checkOpen(): void {
    if (this.closed) throw new AppError('storage_unavailable', `The store (${this.description}) is closed.`);
  }

  /** One statement on any pooled connection. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    this.checkOpen();
    try {
      const result = await this.pool.query<R>(sql, params);
      this.noteSuccess();
      return result;
    } catch (err) {
      throw this.fail(err);
    }
  }

  /**
   * Runs fn in a transaction on one connection: COMMIT when it resolves, ROLLBACK when it
   * throws, and its error propagates unchanged (database errors that mean "unavailable"
   * become the 503). A connection that failed is destroyed, not returned to the pool.
   */
  async transaction<T>(fn: (client: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.checkOpen();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.fail(err);
    }
    // A checked-out connection that breaks between two statements emits 'error'; the next
    // statement fails with it, so listening is enough (an unheard 'error' ends the process).
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken ??= err;
    };
    client.on('error', onError);
    const begin = [`BEGIN${options.isolation ? ` ISOLATION LEVEL ${options.isolation.toUpperCase()}` : ''}${options.readOnly ? ' READ ONLY' : ''}`, ...(options.setup ?? [])].join('; ');
    let release: boolean | Error = false;
    try {
      await client.query(begin).catch((err: unknown) => {
        throw this.fail(err);
      });
      // Only the database's errors are turned into the 503: an error of fn's own (a change
      // refused, a temporary file gone) comes out as it was thrown.
      const timeout = options.queryTimeoutMs;
      const db: Queryable = {
        query: <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
          (timeout ? client.query<R>({ text: sql, values: params, query_timeout: timeout } as pg.QueryConfig) : client.query<R>(sql, params)).catch((err: unknown) => {
            throw this.fail(err);
          }),
      };
      let value: T;
      try {
        value = await fn(db);
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (release = e));
        throw err;
      }
      await client.query('COMMIT').catch((err: unknown) => {
        release = err as Error;
        throw this.fail(err);
      });
      this.noteSuccess();
      return value;
    } catch (err) {
      if (broken || isUnavailable(err) || (err instanceof AppError && err.code === 'storage_unavailable')) release = broken ?? true;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(release === false ? undefined : release);
    }
  }

  /**
   * A connection held for a while (an export's cursor): the caller must call done(), with
   * an error if the connection should not be reused.
   */
  async hold(): Promise<{ client: Queryable; done(err?: Error | boolean): void; fail(err: unknown): unknown }> {
    this.checkOpen();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.fail(err);
    }
    const onError = () => {};
    client.on('error', onError);
    let released = false;
    return {
      client,
      done: (err?: Error | boolean) => {
        if (released) return;
        released = true;
        client.off('error', onError);
        client.release(err);
      },
      fail: (err: unknown) => this.fail(err),
    };
  }

  private maintenance: Promise<void> | undefined;

  /**
   * A project grew from `before` to `after` tasks. Each time it passes a power of two
   * (from 1024 on), the tasks table is vacuumed and analysed in the background: fresh
   * statistics keep the planner on the order indexes (right after a large import it would
   * otherwise guess a few hundred rows and sort), and the visibility map lets the OFFSET
   * of a deep page skip index entries without reading rows. Autovacuum does the same, a
   * minute or more later; this costs about twice the table once over its growth.
   */
  afterGrowth(before: number, after: number): void {
    if (after < 1024 || Math.floor(Math.log2(after)) === Math.floor(Math.log2(Math.max(1, before)))) return;
    if (this.maintenance || this.closed) return;
    this.maintenance = this.pool
      .query('VACUUM (ANALYZE) tasks')
      .then(
        () => undefined,
        (err: Error) => this.log?.warn({ store: this.description, err: err.message }, 'background VACUUM ANALYZE of tasks failed'),
      )
      .finally(() => {
        this.maintenance = undefined;
      });
  }

  /** Ends the pool; connections in use are closed when they are given back. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.maintenance;
    await this.pool.end();
  }
}

// Serving: open the server's project, listen, shut down cleanly on SIGTERM/SIGINT. Both
// entries call it: server.ts (npm start, settings from the environment) and cli.ts
// (`labelstream start`, options over the environment).
import { pino, type Logger } from 'pino';
import { createApp } from './app.ts';
import { createHttpServer, listen, ListenError } from './httpServer.ts';
import type { Settings } from './settings.ts';
import { ProjectRegistry } from './projects.ts';

/** A repeat of the stop signal within this time is the same request to stop (see stop()). */
const SAME_SIGNAL_MS = 1000;

export function makeLogger(level: string): Logger {
  // JSON lines for log collectors; readable lines only when a person watches a terminal.
  // Written asynchronously: under load the lines that come while a write is in flight go
  // out together in the next one, instead of one write(2) per request; when idle each line
  // goes out at once. pino flushes what is pending when the process exits (not on SIGKILL).
  if (!process.stdout.isTTY) return pino({ level }, pino.destination({ dest: 1, sync: false }));
  return pino({
    level,
    transport: {
      target: 'pino-pretty',
      options: { colorize: true, ignore: 'pid,hostname,reqId,code', messageFormat: '{msg}{if code} ({code}){end}{if reqId} [{reqId}]{end}' },
    },
  });
}

export interface ServeOptions {
  settings: Settings;
  logger: Logger;
  /** The registry, when the caller opened projects already (the CLI's init); else a new one. */
  projects?: ProjectRegistry;
  /** Register 0.8's deprecated routes (api.md §5.23: only when started from a command line). */
  deprecatedRoutes: boolean;
}

/** Serves until a signal stops the process; exits the process on failures (1) and when stopped (0). */
export async function serve(options: ServeOptions): Promise<void> {
  const { settings, logger } = options;
  /** Says why the server cannot run: on stderr, and as a fatal line for log collectors. */
  const fatal = (msg: string, fields: object = {}) => {
    // In a terminal the log is on the screen too: once is enough.
    if (!process.stdout.isTTY) logger.fatal(fields, msg);
    console.error(msg);
  };

  // The server's own project is opened before it listens, so a project it cannot open stops
  // the start with the reason; in multi-session mode projects come with the sessions.
  const projects = options.projects ?? new ProjectRegistry(settings, logger);
  let where = `${settings.PROJECTS_DIR}/<user>/<project> (multi-session)`;
  if (!settings.MULTI_SESSION) {
    try {
      where = `project "${settings.PROJECT}" from ${(await projects.default()).store.location}`;
    } catch (err) {
      fatal((err as Error).message);
      process.exit(1);
    }
  }
  const app = createApp({ settings, logger, projects, deprecatedRoutes: options.deprecatedRoutes });
  const server = createHttpServer(app, settings);
  let port: number;
  try {
    port = await listen(server, settings.PORT, settings.HOST);
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    fatal(err.message, { code: err.code });
    // Nothing was written yet: release the lock (the checkpoint finds nothing to write).
    await projects.close().catch(() => {});
    process.exit(1);
  }
  server.on('error', (err) => logger.error({ err }, 'server error'));
  const url = `http://${settings.HOST.includes(':') ? `[${settings.HOST}]` : settings.HOST}:${port}`; // [::1] for IPv6
  logger.info(`Serving ${where} on ${url}`);
  // PORT=0 lets the system choose: say which port, whatever the log level (tests and
  // scripts start servers this way, free of races over a port picked in advance).
  if (settings.PORT === 0) console.log(`listening on ${url}`);

  let stoppingSince = 0;
  const stop = (signal: string) => {
    if (stoppingSince) {
      // Ctrl-C in a terminal signals npm and this process alike, and npm relays its copy:
      // two SIGINTs a few milliseconds apart are one Ctrl-C, not the "stop now" of a second.
      if (Date.now() - stoppingSince < SAME_SIGNAL_MS) {
        logger.debug(`${signal} again within ${SAME_SIGNAL_MS} ms: taken as the same request to stop`);
        return;
      }
      logger.warn(`${signal} again: exiting now, without the checkpoint (the journal keeps every change)`);
      process.exit(130);
    }
    stoppingSince = Date.now();
    logger.info(`${signal}: finishing requests in flight, then checkpointing`);
    server.close(() => {
      // Each project's background ML jobs stop before its store closes: what they stored is
      // kept, and none writes after the store closed.
      void projects
        .close()
        .then(() => {
          logger.info('stopped cleanly');
          process.exit(0);
        })
        .catch((err) => {
          logger.error({ err }, 'checkpoint at shutdown failed; the journal keeps every change');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

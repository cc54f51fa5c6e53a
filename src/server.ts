// Entry point: read settings, open the project, listen, shut down cleanly.
import { pino } from 'pino';
import type { Server } from 'node:http';
import { createApp } from './app.ts';
import { loadSettings, SettingsError } from './settings.ts';
import { openProjectContext } from './projects.ts';

async function main(): Promise<void> {
  let settings;
  try {
    settings = loadSettings();
  } catch (err) {
    if (err instanceof SettingsError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // One JSON line a request; readable lines only when a person watches a terminal.
  const logger = pino({
    level: settings.LOG_LEVEL,
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
  let project;
  try {
    project = await openProjectContext(settings, logger);
  } catch (err) {
    logger.fatal((err as Error).message);
    console.error((err as Error).message);
    process.exit(1);
  }
  const app = createApp({ settings, logger, project });
  const server: Server = app.listen(settings.PORT, settings.HOST, () => {
    const { port } = server.address() as { port: number };
    logger.info(`Serving project "${settings.PROJECT}" from ${project.store.location} on http://${settings.HOST}:${port}`);
    // PORT=0 lets the system choose: say which port, whatever the log level (tests and
    // scripts start servers this way, free of races over a port picked in advance).
    if (settings.PORT === 0) console.log(`listening on http://${settings.HOST}:${port}`);
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'cannot listen');
    void project.store.close({ checkpoint: false }).finally(() => process.exit(1));
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    logger.info(`${signal}: finishing requests in flight, then checkpointing`);
    server.close(() => {
      void project.store
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

void main();

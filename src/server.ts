// Entry point of `npm start`: settings from the environment, then serve (serve.ts).
// `npm start` runs this file compiled (dist/server.js) as the very process npm started
// through `exec`, so a signal sent to that pid reaches this process, not a wrapper.
// Started from a command line, it registers 0.8's deprecated routes, as 0.8's own
// `label-studio start` did (api.md §5.23); an app embedded through createApp has none.
import { loadSettings, SettingsError } from './settings.ts';
import { makeLogger, serve } from './serve.ts';

function settingsOrExit() {
  try {
    return loadSettings();
  } catch (err) {
    if (err instanceof SettingsError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

const settings = settingsOrExit();
void serve({ settings, logger: makeLogger(settings.LOG_LEVEL), deprecatedRoutes: true });

#!/usr/bin/env node
// The command line (`labelstream <command>`, package.json "bin"), Label Studio 0.8's four
// commands (api.md §1.1, §9): init, start, start-multi-session, version. Options are put
// over the environment and checked by settings.ts (cli/options.ts); projects are made by
// the services (cli/init.ts); serving is serve.ts, as for npm start.
// Exit codes: 0 done, 1 the command failed (the project exists, the import was refused,
// the port is taken), 2 a wrong command line or setting.
import { pino } from 'pino';
import { commandHelp, commandSettings, MAIN_HELP, parseCommand, UsageError, type InputFormat, type ParsedCommand } from './cli/options.ts';
import { applyProjectOptions, CommandError, describeError, initProject, type ProjectOptions } from './cli/init.ts';
import { InputError } from './cli/inputs.ts';
import { versionInfo } from './http/misc.ts';
import { ProjectRegistry } from './projects.ts';
import { makeLogger, serve } from './serve.ts';
import { SettingsError } from './settings.ts';
import { AppError } from './errors.ts';

function projectOptions(v: ParsedCommand['values']): ProjectOptions & { force: boolean } {
  const str = (name: string) => v[name] as string | undefined;
  return {
    force: v.force === true,
    labelConfigFile: str('label-config'),
    template: str('template'),
    inputPath: str('input-path'),
    inputFormat: str('input-format') as InputFormat | undefined,
    description: str('initial-project-description'),
    mlBackends: v['ml-backends'] as string[] | undefined,
    sampling: str('sampling'),
  };
}

async function run(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(MAIN_HELP);
    if (command === undefined) process.exitCode = 2;
    return;
  }
  const parsed = parseCommand(command, rest);
  if (parsed.help) {
    process.stdout.write(commandHelp(parsed.command));
    return;
  }
  if (parsed.command === 'version') {
    process.stdout.write(`${JSON.stringify(versionInfo())}\n`);
    return;
  }
  const settings = commandSettings(parsed);

  if (parsed.command === 'init') {
    // Quiet: init says what it did on stdout itself.
    const projects = new ProjectRegistry(settings, pino({ level: 'warn' }));
    const { ctx, tasks } = await initProject(projects, settings.PROJECT, projectOptions(parsed.values));
    const where = ctx.store.location;
    await projects.close();
    process.stdout.write(`Project "${settings.PROJECT}" initialised in ${where} with ${tasks} task${tasks === 1 ? '' : 's'}.\nStart it: labelstream start ${parsed.project}${parsed.values['root-dir'] ? ` --root-dir ${String(parsed.values['root-dir'])}` : ''}\n`);
    return;
  }

  const logger = makeLogger(settings.LOG_LEVEL);
  const projects = new ProjectRegistry(settings, logger);
  if (parsed.command === 'start') {
    const o = projectOptions(parsed.values);
    try {
      if (parsed.values.init === true) {
        const { tasks } = await initProject(projects, settings.PROJECT, o);
        logger.info(`project "${settings.PROJECT}" initialised with ${tasks} tasks`);
      } else {
        // 0.8's start refused a project that does not exist (npm start creates its own).
        const ctx = await projects.get(settings.PROJECT).catch((err: unknown) => {
          if (err instanceof AppError && err.code === 'project_not_found') {
            throw new CommandError(`No project "${settings.PROJECT}" in ${settings.PROJECTS_DIR}: create it with labelstream init ${parsed.project}, or add --init`);
          }
          throw err;
        });
        await applyProjectOptions(ctx, o);
      }
    } catch (err) {
      await projects.close().catch(() => {});
      throw err;
    }
  }
  await serve({ settings, logger, projects, deprecatedRoutes: true });
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    const cmd = process.argv[2];
    console.error(`labelstream: ${err.message}\nSee: labelstream ${cmd && !cmd.startsWith('-') && err.message.indexOf('Unknown command') < 0 ? `${cmd} ` : ''}--help`);
    process.exit(2);
  }
  if (err instanceof SettingsError) {
    console.error(`labelstream: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof CommandError || err instanceof InputError || err instanceof AppError) {
    console.error(`labelstream: ${describeError(err)}`);
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
});

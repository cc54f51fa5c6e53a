// The command line: the commands, their options (one table, read by the parser, the help
// and the settings mapping), and the rule that puts options over the environment: an
// option with a `setting` is written under that setting's name over the environment, and
// the result goes through settings.ts like any environment, so a bad value stops with the
// same message, naming the option.
import { parseArgs } from 'node:util';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { loadSettings, type SettingName, type Settings } from '../settings.ts';

export const COMMANDS = ['init', 'start', 'start-multi-session', 'version'] as const;
export type Command = (typeof COMMANDS)[number];

export const INPUT_FORMATS = ['json', 'json-dir', 'text', 'text-dir', 'image-dir', 'audio-dir'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** A wrong command line: said with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

interface CliOption {
  name: string;
  short?: string;
  type: 'string' | 'boolean';
  /** May be given several times (and, for --ml-backends, followed by several values). */
  multiple?: boolean;
  /** The value's name in the help. */
  value?: string;
  help: string;
  commands: readonly Command[];
  /** The setting it sets (command line beats environment beats default). */
  setting?: SettingName;
  /** Allowed values, checked here (those of settings are checked by settings.ts). */
  choices?: readonly string[];
}

const PROJECT_COMMANDS: readonly Command[] = ['init', 'start'];
const SERVE_COMMANDS: readonly Command[] = ['start', 'start-multi-session'];
const ALL_BUT_VERSION: readonly Command[] = ['init', 'start', 'start-multi-session'];
const SAMPLINGS = ['sequential', 'uniform', 'prediction-score-min', 'prediction-score-max'] as const;

export const OPTIONS: readonly CliOption[] = [
  { name: 'root-dir', type: 'string', value: 'DIR', setting: 'PROJECTS_DIR', commands: ALL_BUT_VERSION, help: 'folder of project folders (PROJECTS_DIR; default ./projects)' },
  { name: 'init', type: 'boolean', commands: ['start'], help: 'initialise the project first, as `init` does (refused if it exists, unless --force)' },
  { name: 'force', type: 'boolean', commands: PROJECT_COMMANDS, help: 'init: empty an existing project (tasks, completions, uploads, settings) and initialise it again' },
  { name: 'label-config', short: 'l', type: 'string', value: 'FILE', commands: PROJECT_COMMANDS, help: 'labeling config (XML) of the new project; default: Text + Choices' },
  { name: 'template', type: 'string', value: 'NAME', commands: PROJECT_COMMANDS, help: 'an example config by name instead of --label-config (image_polygons, text_classification, ...; GET /api/templates lists them)' },
  { name: 'input-path', short: 'i', type: 'string', value: 'PATH', commands: PROJECT_COMMANDS, help: 'tasks to import into the new project: a file or a folder, read as --input-format says' },
  { name: 'input-format', type: 'string', value: 'FORMAT', choices: INPUT_FORMATS, commands: PROJECT_COMMANDS, help: `how --input-path is read: ${INPUT_FORMATS.join(', ')} (default json)` },
  { name: 'initial-project-description', type: 'string', value: 'TEXT', commands: PROJECT_COMMANDS, help: 'the new project\'s description' },
  { name: 'ml-backends', type: 'string', multiple: true, value: 'URL...', commands: PROJECT_COMMANDS, help: 'ML backends to connect (URL or name=URL, several allowed); saved in the project, not contacted until used' },
  { name: 'sampling', type: 'string', value: 'METHOD', choices: SAMPLINGS, commands: PROJECT_COMMANDS, help: `order tasks are handed out in: ${SAMPLINGS.join(', ')}; saved in the project` },
  { name: 'host', type: 'string', value: 'ADDRESS', setting: 'HOST', commands: SERVE_COMMANDS, help: 'address to listen on (HOST; default 127.0.0.1; 0.0.0.0 serves other machines)' },
  { name: 'port', short: 'p', type: 'string', value: 'PORT', setting: 'PORT', commands: SERVE_COMMANDS, help: 'port to listen on (PORT; default 8080; 0 picks a free one)' },
  { name: 'username', type: 'string', value: 'NAME', setting: 'AUTH_USERNAME', commands: SERVE_COMMANDS, help: 'Basic auth user (AUTH_USERNAME; default ls)' },
  { name: 'password', type: 'string', value: 'PASSWORD', setting: 'AUTH_PASSWORD', commands: SERVE_COMMANDS, help: 'Basic auth password, auth on when set (AUTH_PASSWORD; other users of this machine can read a command line: prefer the variable)' },
  { name: 'allow-serving-local-files', type: 'boolean', setting: 'ALLOW_SERVING_LOCAL_FILES', commands: SERVE_COMMANDS, help: 'serve /data/<file>?d=<dir> from this machine\'s disk (ALLOW_SERVING_LOCAL_FILES)' },
  { name: 'log-level', type: 'string', value: 'LEVEL', setting: 'LOG_LEVEL', commands: ALL_BUT_VERSION, help: 'fatal, error, warn, info, debug, trace or silent (LOG_LEVEL; default info)' },
  { name: 'no-browser', short: 'b', type: 'boolean', commands: SERVE_COMMANDS, help: 'accepted for 0.8 scripts; no browser is ever opened' },
  { name: 'help', short: 'h', type: 'boolean', commands: COMMANDS, help: 'this help' },
];

/** Options of Label Studio 0.8 (api.md §9) this command line does not take, and why. */
export const UNSUPPORTED: readonly { names: readonly string[]; why: string }[] = [
  { names: ['protocol', 'cert', 'key'], why: 'HTTPS is left to a proxy in front (nginx, caddy); set PUBLIC_URL to the address clients use' },
  { names: ['config', 'c'], why: 'project settings are set with --sampling, --initial-project-description, --ml-backends, or PATCH /api/project (checked); a whole config.json is not copied' },
  { names: ['source', 's', 'source-path', 'source-params', 'target', 't', 'target-path', 'target-params'], why: 'cloud storages are not part of this server yet' },
  { names: ['use-gevent'], why: 'there is no other server to choose' },
  { names: ['debug', 'd', 'v'], why: 'use --log-level debug' },
  { names: ['output-dir', 'o'], why: 'removed in Label Studio 0.8 as well: completions are in the project folder' },
];

const USAGE: Record<Command, string> = {
  init: 'labelstream init <project> [options]\n\nCreates a project (a folder under --root-dir), with a labeling config and tasks imported\nfrom --input-path, then exits. Refused if the project exists, unless --force.',
  start: 'labelstream start <project> [options]\n\nServes one project (a folder under --root-dir; a path such as ./p or /data/p is that folder).\nThe project must exist: create it with `labelstream init`, or add --init.',
  'start-multi-session': 'labelstream start-multi-session [options]\n\nServes a project per browser session (a signed cookie; projects under --root-dir/<user>/<project>).',
  version: 'labelstream version\n\nPrints the version as JSON (as GET /version answers).',
};

export function commandHelp(command: Command): string {
  const lines = OPTIONS.filter((o) => o.commands.includes(command)).map((o) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`;
    return `  ${flag.padEnd(36)} ${o.help}`;
  });
  return `Usage: ${USAGE[command]}\n\nOptions:\n${lines.join('\n')}\n\nEvery setting of .env.example is also read from the environment; an option beats its variable.\n`;
}

export const MAIN_HELP = `Usage: labelstream <command> [options]

Commands:
  init <project>         create a project (labeling config, tasks from a file or folder)
  start <project>        serve one project (--init creates it first)
  start-multi-session    serve a project per browser session
  version                print the version

labelstream <command> --help describes a command's options.
`;

export interface ParsedCommand {
  command: Command;
  help: boolean;
  project?: string;
  values: Record<string, string | boolean | string[] | undefined>;
}

/** 0.8 took `--ml-backends URL1 URL2`; parseArgs takes one value an option: repeat it. */
function spreadBackends(args: readonly string[]): string[] {
  const out: string[] = [];
  let inBackends = false;
  for (const a of args) {
    if (a === '--ml-backends') {
      inBackends = true;
      out.push(a);
      continue;
    }
    if (inBackends && out[out.length - 1] !== '--ml-backends' && /^([^\s=/]+=)?https?:\/\//.test(a)) out.push('--ml-backends');
    else if (out[out.length - 1] !== '--ml-backends') inBackends = false;
    out.push(a);
  }
  return out;
}

function unsupportedReason(arg: string): string | undefined {
  const m = /^--?([^=]+)/.exec(arg);
  if (!m || arg === '-' || arg === '--') return undefined;
  const name = m[1]!;
  return UNSUPPORTED.find((u) => u.names.includes(name))?.why;
}

/** Parses one command's arguments; throws UsageError on anything it does not take. */
export function parseCommand(command: string | undefined, rest: readonly string[]): ParsedCommand {
  if (command === undefined) throw new UsageError('No command given.');
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`Unknown command "${command}": use one of ${COMMANDS.join(', ')}.`);
  const cmd = command as Command;
  const mine = OPTIONS.filter((o) => o.commands.includes(cmd));
  const args = spreadBackends(rest);
  for (const a of args) {
    const why = unsupportedReason(a);
    const taken = mine.some((o) => a === `--${o.name}` || a.startsWith(`--${o.name}=`) || (o.short && a === `-${o.short}`));
    if (why && !taken) throw new UsageError(`${a.split('=')[0]} (a Label Studio 0.8 option) is not supported: ${why}.`);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(mine.map((o) => [o.name, { type: o.type, multiple: o.multiple ?? false, ...(o.short ? { short: o.short } : {}) }])),
    });
  } catch (err) {
    // parseArgs says "Unknown option '--x'", "Option '--port <value>' argument missing" ...
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}.`.replace(/\.\.$/, '.'));
  }
  const values = parsed.values as ParsedCommand['values'];
  const help = values.help === true;
  for (const o of mine) {
    const v = values[o.name];
    if (o.choices && typeof v === 'string' && !o.choices.includes(v)) throw new UsageError(`--${o.name} ${JSON.stringify(v)}: use one of ${o.choices.join(', ')}.`);
  }
  const positionals = parsed.positionals;
  const takesProject = PROJECT_COMMANDS.includes(cmd);
  if (positionals.length > (takesProject ? 1 : 0)) throw new UsageError(`Unexpected argument "${positionals[takesProject ? 1 : 0]}".`);
  if (takesProject && positionals.length === 0 && !help) throw new UsageError(`Missing <project>: labelstream ${cmd} <project>.`);
  if (values['input-format'] !== undefined && values['input-path'] === undefined) throw new UsageError('--input-format needs --input-path.');
  if (values['label-config'] !== undefined && values.template !== undefined) throw new UsageError('Give --label-config or --template, not both.');
  if (cmd === 'start' && !values.init) {
    const initOnly = ['force', 'label-config', 'template', 'input-path', 'input-format', 'initial-project-description'].filter((n) => values[n] !== undefined);
    if (initOnly.length) throw new UsageError(`--${initOnly[0]} is used when a project is created: add --init (or run labelstream init first).`);
  }
  return { command: cmd, help, project: positionals[0], values };
}

/**
 * Where the project is: a name is a folder under the projects folder; a path (with a "/")
 * is that folder, relative to --root-dir when given, else to the current directory (0.8
 * joined it to --root-dir, default ".").
 */
function projectPlace(project: string, rootDir: string | undefined): { dir?: string; name: string } {
  if (!/[/\\]/.test(project)) return { name: project };
  const path = project.replace(/[/\\]+$/, '');
  const dir = dirname(path);
  return { dir: isAbsolute(path) || rootDir === undefined ? dir : join(rootDir, dir), name: basename(path) };
}

/**
 * The settings of a command: the environment with the command's options over it (one
 * place for the rule), checked by settings.ts; a bad value names its option.
 */
export function commandSettings(parsed: ParsedCommand, env: NodeJS.ProcessEnv = process.env): Settings {
  const merged: NodeJS.ProcessEnv = { ...env };
  const fromOptions: Partial<Record<SettingName, string>> = {};
  const set = (setting: SettingName, value: string, option: string) => {
    merged[setting] = value;
    fromOptions[setting] = option;
  };
  for (const o of OPTIONS) {
    const v = parsed.values[o.name];
    if (!o.setting || v === undefined || !o.commands.includes(parsed.command)) continue;
    set(o.setting, typeof v === 'boolean' ? String(v) : String(v), `--${o.name}`);
  }
  if (parsed.project !== undefined) {
    const place = projectPlace(parsed.project, parsed.values['root-dir'] as string | undefined);
    if (place.dir !== undefined) set('PROJECTS_DIR', place.dir, '<project>');
    set('PROJECT', place.name, '<project>');
  }
  if (parsed.command === 'start-multi-session') set('MULTI_SESSION', 'true', 'start-multi-session');
  if (parsed.command === 'start') set('MULTI_SESSION', 'false', 'start');
  return loadSettings(merged, fromOptions);
}

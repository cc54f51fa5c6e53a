// The label config validation pipeline (spec config-and-import §1.5), as a list of steps
// run in order; the first failure wins and comes back as one message, as in 0.8:
//   1 well-formed, safe XML (xml.ts)      4 unique names
//   2 known tags (catalogue.ts)           5 toName references exist, 6 pointing at objects
//   3 schema rules (schema.ts)            7 stored tasks still load, 8 stored completions too
// Steps 3 and 4 read the parsed attributes, where 0.8 ran regular expressions over the raw
// text (Q-C3) and so also counted names inside comments and CSS.
import { completionCompatibilityErrors, storedValueErrors, taskCompatibilityErrors, type ProjectFacts } from './compatibility.ts';
import { LabelConfigError, parseLabelConfig, walk, type ParsedLabelConfig } from './parse.ts';
import { schemaError } from './schema.ts';
import { nearestTag, TAG_CATALOGUE, tagSpec } from './catalogue.ts';

export type { ProjectFacts };
export type ValidationResult = { ok: true; config: ParsedLabelConfig } | { ok: false; errors: string[] };

interface Step {
  name: string;
  /** Messages of the first problem found, or [] when the config passes. */
  run(config: ParsedLabelConfig, facts: ProjectFacts | undefined): string[];
}

const allNames = (config: ParsedLabelConfig) => [...walk(config.root)].map((n) => n.attrs.name).filter((n): n is string => n !== undefined);

export const PIPELINE: readonly Step[] = [
  {
    // Not in 0.8, which stored any element name; the labeling page cannot show one.
    name: 'known tags',
    run: (config) => {
      for (const node of walk(config.root)) {
        if (tagSpec(node.tag)) continue;
        const near = nearestTag(node.tag);
        const caseOnly = near !== undefined && near.toLowerCase() === node.tag.toLowerCase();
        const hint = near ? `; did you mean <${near}>?${caseOnly ? ' (tag names are case-sensitive)' : ''}` : `; the known tags are ${Object.keys(TAG_CATALOGUE).join(', ')}`;
        return [`Unknown tag <${node.tag}>${hint}`];
      }
      return [];
    },
  },
  {
    name: 'schema',
    run: (config) => {
      const error = schemaError(config.root);
      return error ? [error] : [];
    },
  },
  {
    name: 'unique names',
    run: (config) => {
      const names = allNames(config);
      return new Set(names).size === names.length ? [] : [`Label config contains non-unique names ${JSON.stringify(names)}`];
    },
  },
  {
    name: 'toName references',
    run: (config) => {
      const names = new Set(allNames(config));
      for (const node of walk(config.root)) {
        for (const to of node.attrs.toName?.split(',') ?? []) {
          if (!names.has(to)) return [`toName="${to}" not found in names: ${JSON.stringify([...names].sort())}`];
        }
      }
      return [];
    },
  },
  {
    name: 'controls point at objects',
    run: (config) => {
      const objects = new Set(config.objects.map((o) => o.name));
      for (const c of config.controls) {
        for (const to of c.toNames) {
          if (!objects.has(to)) return [`to_name=${to} is specified for output tag name=${c.name}, but we can't find it among input tags`];
        }
      }
      return [];
    },
  },
  { name: 'imported tasks', run: (config, facts) => (facts ? taskCompatibilityErrors(config, facts) : []) },
  { name: 'existing completions', run: (config, facts) => (facts ? completionCompatibilityErrors(config, facts) : []) },
];

/** Longest message returned: a hostile config can make the parser quote megabytes. */
const MAX_MESSAGE_LENGTH = 1000;

function refused(errors: string[]): ValidationResult {
  return { ok: false, errors: errors.map((e) => (e.length > MAX_MESSAGE_LENGTH ? `${e.slice(0, MAX_MESSAGE_LENGTH)}...` : e)) };
}

/** Parses and checks a config; facts (the project's tasks and completions) enable steps 6-7. */
export function validateLabelConfig(xml: string, facts?: ProjectFacts): ValidationResult {
  let config: ParsedLabelConfig;
  try {
    config = parseLabelConfig(xml);
  } catch (err) {
    if (err instanceof LabelConfigError) return refused(err.messages);
    throw err;
  }
  for (const step of PIPELINE) {
    const errors = step.run(config, facts);
    if (errors.length) return refused(errors);
  }
  return { ok: true, config };
}

/**
 * validateLabelConfig against a project whose stored tasks are read as a stream (from the
 * store): step 7's value re-check runs last, over the tasks as they come.
 */
export async function validateLabelConfigAsync(
  xml: string,
  facts: Omit<ProjectFacts, 'tasks'>,
  tasks: () => AsyncIterable<{ id: number; data?: unknown }>,
): Promise<ValidationResult> {
  const result = validateLabelConfig(xml, facts);
  if (!result.ok) return result;
  const errors = await storedValueErrors(result.config, facts.currentDataTypes, tasks);
  return errors.length ? refused(errors) : result;
}

// The label config validation pipeline (spec config-and-import §1.5), first failure wins:
// well-formed XML, unique names, toName references, controls pointing at object tags,
// then compatibility with imported tasks and with stored completions.
import type { OutputSchema } from '../storage/projectState.ts';
import { LabelConfigError, parseLabelConfig, type ParsedLabelConfig } from './parse.ts';

export interface ProjectFacts {
  /** Data keys every stored task has (empty: no check). */
  commonDataKeys: string[];
  hasTasks: boolean;
  outputSchema: OutputSchema;
}

export type ValidationResult = { ok: true; config: ParsedLabelConfig } | { ok: false; errors: string[] };

function structuralErrors(config: ParsedLabelConfig): string[] {
  const names: string[] = [];
  for (const o of config.objects) names.push(o.name);
  for (const c of config.controls) names.push(c.name);
  const dupes = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (dupes.length) return [`Label config contains non-unique names ${JSON.stringify(dupes)}`];
  for (const c of config.controls) {
    for (const to of c.toNames) {
      if (!names.includes(to)) return [`toName="${to}" not found in names: ${JSON.stringify(names)}`];
      if (!config.objects.some((o) => o.name === to)) {
        return [`to_name=${to} is specified for output tag name=${c.name}, but we can't find it among input tags`];
      }
    }
  }
  return [];
}

function taskCompatibilityErrors(config: ParsedLabelConfig, facts: ProjectFacts): string[] {
  if (!facts.hasTasks || facts.commonDataKeys.length === 0) return [];
  const have = new Set(facts.commonDataKeys);
  for (const o of config.objects) {
    if (o.dataKey === undefined || have.has(o.dataKey)) continue;
    return [
      `You have already imported tasks and they are incompatible with a new config. You've specified value=${o.value}, but imported tasks contain only keys: ${JSON.stringify(facts.commonDataKeys)}`,
    ];
  }
  return [];
}

function completionCompatibilityErrors(config: ParsedLabelConfig, facts: ProjectFacts): string[] {
  const prefix = "You've already completed some tasks, but some of them couldn't be loaded with this config: ";
  for (const used of facts.outputSchema.controls) {
    const control = config.controls.find((c) => c.name === used.fromName);
    if (!control || control.toNames[0] !== used.toName || control.tag.toLowerCase() !== used.type) {
      return [`${prefix}name=${used.fromName}, toName=${used.toName}, type=${used.type} are expected`];
    }
  }
  for (const used of facts.outputSchema.labels) {
    const control = config.controls.find((c) => c.name === used.fromName);
    if (control && !control.labels.includes(used.label)) {
      return [`${prefix}label "${used.label}" of "${used.fromName}" is used in completions and must stay in the config`];
    }
  }
  return [];
}

export function validateLabelConfig(xml: string, facts?: ProjectFacts): ValidationResult {
  let config: ParsedLabelConfig;
  try {
    config = parseLabelConfig(xml);
  } catch (err) {
    if (err instanceof LabelConfigError) return { ok: false, errors: err.messages };
    throw err;
  }
  const errors = [
    structuralErrors(config),
    facts ? taskCompatibilityErrors(config, facts) : [],
    facts ? completionCompatibilityErrors(config, facts) : [],
  ].find((e) => e.length > 0);
  return errors ? { ok: false, errors } : { ok: true, config };
}

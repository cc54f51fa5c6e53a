// The 54 shipped example configs and 11 tasks files (copied from the spec into test/fixtures).
import { readdirSync, readFileSync } from 'node:fs';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** The classic entity-expansion bomb: 10^9 "lol"s if a parser expanded it. */
export const BILLION_LAUGHS = readFileSync(new URL('label-config/billion-laughs.xml', FIXTURES), 'utf8');

export interface ShippedConfig {
  name: string;
  xml: string;
}

export function shippedConfigs(): ShippedConfig[] {
  const dir = new URL('configs/', FIXTURES);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => ({ name: f.replace(/\.xml$/, ''), xml: readFileSync(new URL(f, dir), 'utf8') }));
}

export function shippedConfig(name: string): string {
  return readFileSync(new URL(`configs/${name}.xml`, FIXTURES), 'utf8');
}

export function shippedTasks(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`tasks/${name}.json`, FIXTURES), 'utf8'));
}

// The Label Studio Frontend (LSF): the npm package label-studio, pinned at 0.9.1 in
// package.json (labeling-ui.md §2: the nearest published successor of 0.8.2's bundle, and
// it speaks 0.8's "completions"). Its prebuilt bundle is served as it is, from
// node_modules: nothing is copied, built or fetched from a CDN.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const packageJson = require.resolve('label-studio/package.json');
const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { name: string; version: string };

export const FRONTEND = {
  package: pkg.name,
  version: pkg.version,
  /** build/static of the package: js/main.js and css/main.css (and their maps); nothing else of it is served. */
  staticDir: join(dirname(packageJson), 'build', 'static'),
  /** Where staticDir is served. The version is in the path, so the files may be cached for long. */
  urlPrefix: `/static/lsf/${pkg.version}`,
} as const;

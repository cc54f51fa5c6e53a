import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A throwaway PostgreSQL cluster for the PostgreSQL engine's tests (or STORE_URL's server).
    globalSetup: ['test/helpers/postgresGlobalSetup.ts'],
  },
});

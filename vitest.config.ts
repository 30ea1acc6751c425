import { defineConfig } from 'vitest/config';

// Units run in parallel; integration tests (*.int.test.ts) share database servers, so they run
// in forks one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{core,mcp-servers,agents,gateway,evals}/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'int',
          include: ['{core,mcp-servers,agents,gateway,evals}/src/**/*.int.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});

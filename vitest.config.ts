import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// New embedded databases (in-memory ones of openTestDatabase and the data folders of spawned `crm`
// processes, which inherit the variable) start from a migrated image instead of initdb and every
// migration (core/src/db/pglite-image.ts); the first one of a set of migrations saves it.
const env = { CRM_PGLITE_IMAGE_CACHE: process.env.CRM_PGLITE_IMAGE_CACHE ?? path.join(os.tmpdir(), `crm-test-images-${process.getuid?.() ?? 'user'}`) };

// Units run in parallel (vitest's default of CPUs − 1 workers: one on a 2-core machine);
// integration tests (*.int.test.ts) share database servers, so they run one file at a time...
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{core,mcp-servers,agents,gateway,evals}/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
          env,
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
          // ...and in ONE fork that imports the packages once (isolate: false): a fresh fork per
          // file re-imported @crm/core, MikroORM, PGlite, Fastify and LangGraph each time, ~2.5–3 s
          // of CPU per file, the largest overhead of the run (README, Quick start). Every file still
          // opens and closes its own databases, servers and processes. CRM_TEST_ISOLATE=1 gives
          // each file a fresh process again, e.g. to tell a leak between files from a real failure.
          isolate: process.env.CRM_TEST_ISOLATE === '1',
          env,
        },
      },
    ],
  },
});

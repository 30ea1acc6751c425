import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.crm-data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@crm/*/src', '@crm/*/src/*', '../../*/src/*'], message: 'Import other packages only through their package exports.' }] },
      ],
    },
  },
  {
    // Nothing above core runs SQL through core's database handle: the gateway, the MCP servers and
    // the agents call core's services (the workflow executor and the conversation checkpointer own
    // their own tables and are exempt, as below).
    files: ['gateway/src/**/*.ts', 'mcp-servers/src/**/*.ts', 'agents/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.fixture.ts', '**/testing/**', 'agents/src/workflows/batched-checkpoint.saver.ts', 'agents/src/checkpoint/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='@crm/core/testing']",
          message: 'Test fixtures (and databaseOf, which unwraps the database handle) belong in tests.',
        },
        {
          selector: 'MemberExpression[property.name=/^(withTenant|asWorker|readAsTenant|writeAsTenant|readAsWorker|orm)$/]',
          message: "Run SQL inside @crm/core's services, not through its database handle.",
        },
        {
          selector: "CallExpression[callee.property.name='connect'][callee.object.name='db'], CallExpression[callee.property.name='connect'][callee.object.property.name='db']",
          message: "Use core's services (e.g. subscribeOutboxWake for LISTEN), not a raw connection from core's database handle.",
        },
      ],
    },
  },
  {
    // Agents reach the domain only through MCP tools: no core services, no database, no SQL.
    // The workflow executor (agents/src/workflows) is exempt: it owns the durable execution store
    // (leases, checkpoints); the effects of its steps still go through MCP tools. So is the
    // conversation checkpointer (agents/src/checkpoint): LangGraph's saver needs a pg pool.
    files: ['agents/src/**/*.ts'],
    ignores: ['agents/src/testing/**', 'agents/src/**/*.test.ts', 'agents/src/workflows/**', 'agents/src/checkpoint/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@crm/core',
              allowTypeImports: true,
              allowImportNames: ['AppError', 'isAppError', 'ERROR_CODES', 'createLogger', 'silentLogger', 'messageText'],
              message: 'Agents use the CRM through MCP tools only; from @crm/core import types, errors, the logger and pure helpers such as messageText.',
            },
            { name: '@crm/core/testing', message: 'Test fixtures belong in tests.' },
            { name: 'pg', message: 'Agents never touch the database; the checkpointer takes a connection string.' },
          ],
          patterns: [{ group: ['@mikro-orm/*', '@electric-sql/*'], message: 'Agents never touch the database.' }],
        },
      ],
    },
  },
);

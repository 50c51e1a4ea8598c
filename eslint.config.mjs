// Lint for every project. Module boundaries are enforced with project tags (project.json):
// workflow code may depend only on the pure contract lib, and may not import Node built-ins,
// Temporal's worker/activity packages or activity implementations.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http',
  'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers',
  'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

/** For code that must run in Temporal's deterministic workflow sandbox or anywhere (no I/O). */
const neutralImports = (extra = []) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths: NODE_BUILTINS.map((name) => ({ name, message: 'Platform-neutral code may not use Node built-ins.' })),
      patterns: [
        { group: ['node:*'], message: 'Platform-neutral code may not use Node built-ins.' },
        ...extra,
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.venv/**', '.hcrm/**', '.nx/**', 'dbt_project/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // A leading underscore marks a parameter kept for a shared signature (e.g. the dialect).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allowCircularSelfDependency: false,
          depConstraints: [
            { sourceTag: 'platform:neutral', onlyDependOnLibsWithTags: ['platform:neutral'] },
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:workflows', onlyDependOnLibsWithTags: ['type:contract'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
            { sourceTag: 'type:source', onlyDependOnLibsWithTags: ['type:contract'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
            // Domain logic (identity resolution): SQL builders and the steps that run them on a warehouse.
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:data-access'] },
            {
              sourceTag: 'type:activities',
              onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:data-access', 'type:domain', 'type:source'],
            },
            {
              sourceTag: 'type:pipeline',
              onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:data-access', 'type:activities', 'type:source', 'type:workflows'],
            },
            // Tooling (the load generator) reads source declarations, writes through the warehouse and normalises as identity does.
            { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:data-access', 'type:domain', 'type:source'] },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:data-access', 'type:domain', 'type:source', 'type:pipeline', 'type:tooling'],
            },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: neutralImports([
      { group: ['@hcrm/activities', '@hcrm/warehouse', '@hcrm/dbt', '@hcrm/config'], message: 'Workflows call activities through proxyActivities with the types from @hcrm/contracts.' },
      { group: ['@temporalio/worker', '@temporalio/activity', '@temporalio/client'], message: 'Workflows import @temporalio/workflow only.' },
      { group: ['@duckdb/*'], message: 'Workflows do no I/O.' },
    ]),
  },
  { files: ['libs/contracts/**/*.ts', 'libs/sql/src/**/*.ts'], ignores: ['**/*.test.ts', 'libs/contracts/src/testing.ts'], rules: neutralImports() },
);

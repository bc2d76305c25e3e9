import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships index.mjs and index.js with no exports map: Vite would pick the
    // .mjs for our files while Mesh's CommonJS packages load the .js, and schemas built by
    // one copy are rejected by the other ("another module or realm"). Node itself always
    // loads index.js, so tests use the same.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Suites start real HTTP servers (and Redis, Chromium); give them room on a 2-core CI.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { NODE_ENV: 'test' },
  },
});

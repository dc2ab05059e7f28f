#!/usr/bin/env node
// Test runner: one embedded PostgreSQL for the whole run, a template database migrated once,
// then node's test runner over every test file (each file clones the template; see
// test/helpers/db.ts). Arguments narrow the run to matching paths.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { register } from 'tsx/esm/api';

register();
const { startEmbeddedPostgres, migrate } = await import('../src/db/index.ts');

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const filters = process.argv.slice(2);
const files = walk(path.join(root, 'test'))
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const port = await freePort();
const dir = mkdtempSync(path.join(tmpdir(), 'buffalo-test-pg-'));
const server = await startEmbeddedPostgres({ dir, port, ephemeral: true });
let code;
try {
  const admin = server.url('postgres');
  const { default: pg } = await import('pg');
  const client = new pg.Client(admin);
  await client.connect();
  await client.query('CREATE DATABASE buffalo_template');
  await client.end();
  await migrate(server.url('buffalo_template'));
  code = await run(files, { BUFFALO_TEST_PG_URL: admin, BUFFALO_TEST_TEMPLATE: 'buffalo_template' });
} finally {
  await server.stop();
}
process.exit(code);

function run(testFiles, extraEnv) {
  const concurrency = process.env.TEST_CONCURRENCY ?? '3';
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...testFiles], {
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'test', ...extraEnv },
    });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
}

function walk(d) {
  return readdirSync(d).flatMap((name) => {
    const p = path.join(d, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address();
      srv.close(() => resolve(p));
    });
    srv.on('error', reject);
  });
}

#!/usr/bin/env node
// The `buffalo` CLI. Runs the prebuilt bundle (dist/buffalo.mjs, made by `npm install` through
// the prepare script) while it is newer than every file under src/; otherwise — while you edit,
// or for `bench`, which lives outside the bundle — the TypeScript sources through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const bundle = path.join(root, 'dist', 'buffalo.mjs');

function newestSourceMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'public') newest = Math.max(newest, newestSourceMtime(p));
    } else if (entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

const wantsSources = process.argv[2] === 'bench' || process.env.BUFFALO_FROM_SOURCES === '1';
const bundleFresh = !wantsSources && existsSync(bundle) && statSync(bundle).mtimeMs >= newestSourceMtime(path.join(root, 'src'));
let main;
if (bundleFresh) {
  process.setSourceMapsEnabled(true);
  ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main.ts'));
}
await main(process.argv);

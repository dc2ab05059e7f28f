#!/usr/bin/env node
// Prebuild the CLI into one ESM file (dependencies stay external) so `buffalo start` skips
// transpiling ~250 TypeScript modules through tsx's loader thread at every start — the
// largest part of a warm start. bin/buffalo.js uses the bundle only while it is newer than
// every source file, and falls back to the sources (tsx) otherwise.
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('CLI bundle skipped: esbuild is not installed (devDependencies omitted); the CLI runs from sources\n');
  process.exit(0);
}
await esbuild.build({
  entryPoints: [path.join(root, 'src/main.ts')],
  outfile: path.join(root, 'dist/buffalo.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
process.stdout.write('CLI bundle written: dist/buffalo.mjs\n');

/**
 * Bundling of the dashboard's browser code (src/dashboard/client) with esbuild into
 * src/dashboard/public (gitignored). `npm install` runs it through the `prepare` script; the
 * server runs it again at start when the bundle is missing or older than its sources.
 */
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_ROOT } from '../packageRoot.ts';

/** Where the browser sources live. */
export const CLIENT_DIR = path.join(PACKAGE_ROOT, 'src', 'dashboard', 'client') + path.sep;
/** Where the bundle is written. */
export const PUBLIC_DIR = path.join(PACKAGE_ROOT, 'src', 'dashboard', 'public') + path.sep;
/** Files the bundle consists of. */
export const BUNDLE_FILES = ['app.js', 'app.css'] as const;

/** One built file. */
export interface BuiltFile {
  name: string;
  contents: Uint8Array;
}

/** Bundle the client in memory (esbuild is a devDependency, hence the dynamic import). */
export async function bundleClient(): Promise<BuiltFile[]> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { app: path.join(CLIENT_DIR, 'main.ts') },
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'none',
    outdir: PUBLIC_DIR,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles.map((f) => ({ name: path.basename(f.path), contents: f.contents }));
}

/** Write built files into PUBLIC_DIR, each atomically (a concurrent reader never sees half a file). */
export async function writeBuiltFiles(files: BuiltFile[]): Promise<void> {
  await mkdir(PUBLIC_DIR, { recursive: true });
  for (const f of files) {
    const target = path.join(PUBLIC_DIR, f.name);
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, f.contents);
    await rename(tmp, target);
  }
}

/** Bundle and write into PUBLIC_DIR; returns the written file names. */
export async function writeBundle(): Promise<string[]> {
  const files = await bundleClient();
  await writeBuiltFiles(files);
  return files.map((f) => f.name);
}

/** True when a bundle file is missing or older than any client source. */
export async function bundleIsStale(): Promise<boolean> {
  let builtAt = Infinity;
  for (const name of BUNDLE_FILES) {
    try {
      builtAt = Math.min(builtAt, (await stat(path.join(PUBLIC_DIR, name))).mtimeMs);
    } catch {
      return true;
    }
  }
  for (const name of await readdir(CLIENT_DIR)) {
    if ((await stat(path.join(CLIENT_DIR, name))).mtimeMs > builtAt) return true;
  }
  return false;
}

/**
 * The dashboard's static files, held in memory with their gzip form and a content hash. Loaded
 * once at start: from src/dashboard/public when the bundle there is current, else bundled on
 * the spot (and written back when the directory is writable).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../log.ts';
import { BUNDLE_FILES, PUBLIC_DIR, bundleClient, bundleIsStale, writeBuiltFiles, type BuiltFile } from './buildBundle.ts';

/** One servable file. */
export interface Asset {
  body: Buffer;
  gzip: Buffer;
  contentType: string;
  /** First 16 hex digits of the SHA-256 of the body: the cache-busting version and the ETag. */
  version: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Turn file contents into a servable asset. */
export function toAsset(name: string, contents: Uint8Array): Asset {
  const body = Buffer.from(contents);
  return {
    body,
    gzip: gzipSync(body, { level: 9 }),
    contentType: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
    version: createHash('sha256').update(body).digest('hex').slice(0, 16),
  };
}

/** Load the bundle (building it when missing or stale); an empty map when it cannot be had. */
export async function loadAssets(logger: Logger): Promise<Map<string, Asset>> {
  let files: BuiltFile[] | undefined;
  if (await bundleIsStale()) {
    try {
      files = await bundleClient();
      logger.info({ files: files.map((f) => f.name) }, 'dashboard bundle built');
      await writeBuiltFiles(files).catch((err: Error) => logger.debug({ err: err.message }, 'dashboard bundle kept in memory only'));
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'dashboard bundle missing and could not be built (run `npm run build:dashboard`)');
    }
  }
  files ??= await readBuilt();
  return new Map(files.map((f) => [f.name, toAsset(f.name, f.contents)]));
}

async function readBuilt(): Promise<BuiltFile[]> {
  const out: BuiltFile[] = [];
  for (const name of BUNDLE_FILES) {
    try {
      out.push({ name, contents: await readFile(path.join(PUBLIC_DIR, name)) });
    } catch {
      // A missing file leaves the page without it; the page says so.
    }
  }
  return out;
}

/**
 * The package's root directory, for files read at run time (migrations, dashboard sources).
 * This file sits directly in src/, and the prebuilt CLI bundle directly in dist/, so in both
 * cases the root is one level up from the running module.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the package root (where package.json is). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let version: string | undefined;

/** The package's version from package.json ("0" when it cannot be read), e.g. for User-Agent headers. */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0';
    } catch {
      version = '0';
    }
  }
  return version;
}

/**
 * The package's root directory, for files read at run time (migrations, dashboard sources).
 * This file sits directly in src/, and the prebuilt CLI bundle directly in dist/, so in both
 * cases the root is one level up from the running module.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the package root (where package.json is). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `npm run build:dashboard` (and the `prepare` script of `npm install`): bundle the dashboard.
 * Without esbuild (a production install that omits devDependencies) it warns and exits 0 so the
 * install goes on; the server then reports the missing bundle on the page.
 */
import { writeBundle } from './buildBundle.ts';

try {
  const files = await writeBundle();
  process.stdout.write(`dashboard bundle written: ${files.join(', ')}\n`);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('dashboard bundle skipped: esbuild is not installed (devDependencies omitted)\n');
  } else {
    process.stderr.write(`dashboard bundle failed: ${e.message}\n`);
    process.exitCode = 1;
  }
}

/** CLI output captured in memory, for tests of the command functions. */
import { PassThrough } from 'node:stream';
import { type CliIo } from '../../src/cli/index.ts';

/** A non-TTY CliIo whose stdout is readable with `text()`. */
export function quietIo(): CliIo & { text: () => string } {
  const out = new PassThrough();
  let o = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  return { out, err: new PassThrough(), tty: false, text: () => o };
}

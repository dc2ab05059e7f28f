import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { ConfigError, resolveConfig } from '../../src/config.ts';
import { chooseLogFormat, createLogger } from '../../src/log.ts';
import { useTestDb, type TestDbFixture } from '../helpers/testResources.ts';
import { BIN, isolatedBuffalo } from './buffaloChild.ts';

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const PRETTY_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /;

/** The log lines of a `buffalo start` until its banner, then SIGTERM to its process group. */
async function startUntilBanner(db: TestDbFixture, extra: Record<string, string>, opts: { tty: boolean }): Promise<string[]> {
  const { dataDir, env } = await isolatedBuffalo('buffalo-logformat-');
  const fullEnv = { ...env, DATABASE_URL: db.url, LOG_LEVEL: 'info', ...extra };
  // A pseudo-terminal from util-linux `script`, as an operator's terminal would be.
  const child = opts.tty
    ? spawn('script', ['-qfec', `'${process.execPath}' '${BIN}' start`, '/dev/null'], { cwd: dataDir, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(process.execPath, [BIN, 'start'], { cwd: dataDir, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const closed = new Promise((r) => child.once('close', r));
  try {
    const deadline = Date.now() + 90_000;
    while (!out.includes('Buffalo is up')) {
      if (child.exitCode !== null) throw new Error(`buffalo exited:\n${out.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`no banner:\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await closed;
  }
  const beforeBanner = out.slice(0, out.indexOf('Buffalo is up'));
  return beforeBanner.replace(ANSI, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

describe('log format', () => {
  it('auto: readable on a terminal, JSON in a pipe; production stays JSON unless pretty is asked for', () => {
    assert.equal(chooseLogFormat('auto', { production: false, tty: true }), 'pretty');
    assert.equal(chooseLogFormat('auto', { production: false, tty: false }), 'json');
    assert.equal(chooseLogFormat('auto', { production: true, tty: true }), 'json');
    assert.equal(chooseLogFormat('pretty', { production: true, tty: false }), 'pretty');
    assert.equal(chooseLogFormat('json', { production: false, tty: true }), 'json');
    assert.equal(resolveConfig({}).logFormat, 'auto');
  });

  it('a bad LOG_FORMAT is refused naming the variable', () => {
    assert.throws(() => resolveConfig({ LOG_FORMAT: 'xml' }), (err: unknown) => err instanceof ConfigError && /LOG_FORMAT: expected auto, json or pretty/.test(err.message));
  });

  it('pretty lines redact secrets as JSON lines do', () => {
    for (const format of ['pretty', 'json'] as const) {
      let out = '';
      const logger = createLogger({ level: 'info', format }, new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) }));
      logger.info({ password: 'hunter2-secret', upstream: { apiKey: 'sk_live_secret_key' }, headers: { authorization: 'Bearer tok-secret' } }, 'login tried');
      assert.match(out, /login tried/);
      assert.doesNotMatch(out, /hunter2-secret|sk_live_secret_key|tok-secret/, `${format}: ${out}`);
      assert.match(out, /\[redacted\]/);
      if (format === 'pretty') assert.match(out, PRETTY_LINE);
      else assert.doesNotThrow(() => JSON.parse(out));
    }
  });
});

describe('buffalo start log lines', () => {
  const db = useTestDb();

  it('on a terminal (LOG_FORMAT auto): one readable line per event, no JSON', async () => {
    const lines = await startUntilBanner(db, {}, { tty: true });
    assert.ok(lines.length > 0, 'some log lines before the banner');
    for (const line of lines) {
      assert.doesNotMatch(line, /^\{/, line);
      assert.match(line, PRETTY_LINE, line);
    }
  });

  it('in a pipe (LOG_FORMAT auto): JSON lines', async () => {
    const lines = await startUntilBanner(db, {}, { tty: false });
    assert.ok(lines.length > 0, 'some log lines before the banner');
    for (const line of lines) assert.equal(typeof (JSON.parse(line) as { msg: string }).msg, 'string', line);
  });

  it('in a pipe with LOG_FORMAT=pretty: readable lines', async () => {
    const lines = await startUntilBanner(db, { LOG_FORMAT: 'pretty' }, { tty: false });
    assert.ok(lines.length > 0, 'some log lines before the banner');
    for (const line of lines) assert.match(line, PRETTY_LINE, line);
  });
});

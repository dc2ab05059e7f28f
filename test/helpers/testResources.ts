/**
 * A test file's resources in one place: its cloned database (test/helpers/db.ts) and whatever its
 * `before` hooks start on it (simulators, apps, workers, pools, servers), all closed by one `after`.
 */
import { after, before } from 'node:test';
import type { Pool } from '../../src/db/index.ts';
import { createTestDb, type TestDb } from './db.ts';

/** Something closed by calling `close()` and awaiting it (an app, a simulator, a sandbox). */
export interface Closable {
  close(): unknown;
}

/** A stack of closing functions, run by {@link Closers.closeAll}. */
export interface Closers {
  /** Run `fn` at close time, before everything added earlier. */
  add(fn: () => unknown): void;
  /** Run every closer, last added first; a failing one does not stop the rest, and its error is thrown at the end. */
  closeAll(): Promise<void>;
}

/** An empty stack of closers. */
export function createClosers(): Closers {
  const stack: Array<() => unknown> = [];
  return {
    add(fn) {
      stack.push(fn);
    },
    async closeAll() {
      const errors: unknown[] = [];
      // Last created, first closed: what was started later uses what was started earlier (an app
      // calls its simulator and queries the database), so it must stop first. node:test runs a
      // suite's `after` hooks in registration order, so separate hooks would drop the database
      // while the app on it still runs; hence one hook and this stack.
      for (let fn = stack.pop(); fn; fn = stack.pop()) {
        try {
          await fn();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, `${errors.length} closers failed; the first: ${String((errors[0] as Error)?.message ?? errors[0])}`, { cause: errors[0] });
    },
  };
}

/** The handle {@link useTestDb} returns: the database, valid inside hooks and tests, and the closers. */
export interface TestDbFixture {
  /** URL of the file's database. */
  readonly url: string;
  /** Pool on the file's database. */
  readonly pool: Pool;
  /** Close `resource` in the file's `after`, before everything started earlier (the database last); returns it. */
  closeLater<T extends Closable>(resource: T): T;
  /** Run `fn` in the file's `after`, before everything registered earlier (the database last). */
  onClose(fn: () => unknown): void;
}

/**
 * Register, on the enclosing describe (or the file), a `before` that clones a test database and
 * one `after` that runs the registered closers and then drops it. Call it before any other
 * `before` of the suite, so the database exists when they run.
 */
// Inside a describe, node:test runs `before` hooks one after the other; at a file's top level
// (Node 20) it starts them together, so there the database is usable in tests and in a describe's
// `before`, not in another top-level `before`.
export function useTestDb(opts: { poolMax?: number } = {}): TestDbFixture {
  const closers = createClosers();
  let db: TestDb | undefined;
  before(async () => {
    db = await createTestDb(opts);
  });
  after(async () => {
    // The database goes last, even after closers registered before it existed.
    const all = createClosers();
    const created = db;
    if (created) all.add(() => created.drop());
    all.add(() => closers.closeAll());
    await all.closeAll();
  });
  const current = (): TestDb => {
    if (!db) throw new Error('the test database is created in a before() hook: use it inside hooks and tests, not while the suite is declared');
    return db;
  };
  return {
    get url() {
      return current().url;
    },
    get pool() {
      return current().pool;
    },
    closeLater(resource) {
      closers.add(() => resource.close());
      return resource;
    },
    onClose(fn) {
      closers.add(fn);
    },
  };
}

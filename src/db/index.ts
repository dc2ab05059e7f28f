/** Database access: embedded server, pool, transactions, retries of transient errors, migrations, storable content. */
export { startEmbeddedPostgres, runningEmbeddedPort, type EmbeddedServer } from './embedded.ts';
export { resolveClusterDir } from './placeCluster.ts';
export { createPool, withTransaction, withDbRetry, type Pool, type PoolClient, type Queryable, type TransactionContext } from './pool.ts';
export { isTransientDbError } from './errors.ts';
export { migrate, pendingMigrations, MIGRATION_GLOB } from './migrate.ts';
export { deleteInBatches } from './deleteInBatches.ts';
export { cloneDatabase, type ClonedDatabase } from './cloneDatabase.ts';
export { makeStorable, storableString, storableText, storableJson, isStorableString, REPLACEMENT_CHAR, MAX_REPORTED_PATHS, type StorableReport } from './makeStorable.ts';
export { createGroupCommitter, singleTransactions, togetherOrAlone, type TransactionPart, type TransactionRunner } from './groupCommit.ts';
export { batchWhileBusy, type BatchOutcome, type BatchedCall } from './batchWhileBusy.ts';

/**
 * `buffalo doctor`'s disk check looks at the filesystem the cluster's files are on: the data
 * directory's, or — when the cluster was placed in a state directory because the postgres user
 * could not reach the data directory — the one the pointer file names.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkDisk } from '../../src/cli/doctorDatabase.ts';
import { resolveConfig } from '../../src/config.ts';
import { CLUSTER_POINTER } from '../../src/db/placeCluster.ts';

describe('buffalo doctor: disk', () => {
  const made: string[] = [];
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  const dataDirConfig = (dataDir: string) => resolveConfig({ NODE_ENV: 'test', BUFFALO_DATA_DIR: dataDir });

  it('reports the free space where the cluster lives: the data directory, or the relocated cluster the pointer names', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'buffalo-doctor-disk-'));
    made.push(dataDir);
    mkdirSync(path.join(dataDir, 'pg'));
    assert.match(checkDisk(dataDirConfig(dataDir), { found: false, message: '' })?.detail ?? '', new RegExp(`free at ${path.join(dataDir, 'pg')}$`));

    // A cluster placed in a state directory (what a root start under a 0700 directory does).
    const cluster = path.join(tmpdir(), 'buffalo-root', 'clusters', randomBytes(8).toString('hex'));
    mkdirSync(cluster, { recursive: true });
    made.push(cluster);
    writeFileSync(path.join(dataDir, 'pg', CLUSTER_POINTER), cluster);
    assert.match(checkDisk(dataDirConfig(dataDir), { found: false, message: '' })?.detail ?? '', new RegExp(`free at ${cluster}$`));
  });

  it('a data directory that does not exist yet is judged by its nearest existing parent', () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'buffalo-doctor-disk-'));
    made.push(parent);
    assert.match(checkDisk(dataDirConfig(path.join(parent, 'not', 'yet')), { found: false, message: '' })?.detail ?? '', new RegExp(`free at ${parent}$`));
  });
});

/**
 * The change feed: change rows written by triggers on the unified tables in the writing
 * transaction, read in a commit-safe order through `GET /changes`; retention and purge.
 * Design and guarantee: docs/changes.md.
 */
export { changeRoutes } from './changeRoutes.ts';
export { readChanges, type Change } from './readChanges.ts';
export { headCursor, changeRangesOfTransaction, isPositionVisible } from './feedPositions.ts';
export { decodeChangeCursor, comparePositions } from './changeCursor.ts';
export { pruneChanges } from './pruneChanges.ts';
export { forgetConnectionChanges } from './forgetConnectionChanges.ts';
export { announceChanges } from './announceChanges.ts';

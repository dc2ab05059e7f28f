/**
 * The CLI's commands and contexts, for `src/main.ts` (commander wiring) and tests. Command code
 * lives here, not in the domain modules: a module exports what a command calls, the command
 * does the terminal part (arguments, progress, tables, exit codes).
 */
export { boot, bootReadOnly, onFirstSignal } from './boot.ts';
export { openDatabase } from './openDatabase.ts';
export { openIngestContext } from './ingestContext.ts';
export { openConnectionsContext, type ConnectionsContext } from './connectionsContext.ts';
export { startCommand, buildApi, type Role } from './start.ts';
export { statusCommand } from './statusCommand.ts';
export { doctorCommand } from './doctorCommand.ts';
export { syncCommand, processCommand, renormalizeCommand, dlqListCommand, dlqReplayCommand, formatTable, type CliIo } from './ingestCommands.ts';
export { reconcileCommand } from './reconcileCommand.ts';
export { connectionsAddCommand, connectionsListCommand, connectionsRemoveCommand, connectionsRotateKeyCommand, connectionsSetStatusCommand, type ConnectionsIo } from './connectionsCommands.ts';
export { scriptOrder } from './scriptOrder.ts';
export { scriptPeakHours } from './scriptPeakHours.ts';
export { runWithContext } from './runWithContext.ts';
export { commandApi, registeredApiUrl } from './locateInstance.ts';

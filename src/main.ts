/** The `buffalo` CLI (commander). Each command lives in src/cli/. */
import { Command, Option } from 'commander';
import { boot } from './cli/boot.ts';
import { openDatabase } from './cli/openDatabase.ts';
import { startCommand } from './cli/start.ts';

/** Entry point used by bin/buffalo.js. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('buffalo')
    .description('Move data and events between your PostgreSQL and flaky third-party APIs.')
    .showHelpAfterError();

  program
    .command('start')
    .description('start the API, workers and scheduler (and the sandbox for upstreams without credentials)')
    .addOption(new Option('--role <role>', 'which part to run').choices(['api', 'worker', 'scheduler', 'all']).default('all'))
    .action(async (opts: { role: 'api' | 'worker' | 'scheduler' | 'all' }) => {
      await startCommand(boot(), opts.role);
    });

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      const booted = boot();
      const db = await openDatabase(booted.config, booted.logger);
      await db.close();
      process.stdout.write('migrations applied\n');
    });

  await program.parseAsync(argv);
}

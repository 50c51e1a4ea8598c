import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, type HcrmConfig } from '@hcrm/config';
import { ENTITY_TYPES, type EntityType } from '@hcrm/core';
import { CliError } from './errors';
import type { explainCommand } from './commands/explain';
import type { ingestCommand } from './commands/ingest';
import type { queryCommand } from './commands/query';
import type { runCommand } from './commands/run';
import type { upCommand } from './commands/up';
import type { CliIo } from './io';

const DESCRIPTION = 'Headless CRM: raw data from many systems in, one row per person, group and membership out.';

const ENVIRONMENT = `
Environment:
  HCRM_STATE_DIR      where the DuckDB warehouse, Temporal's SQLite history and logs live (default <repo>/.hcrm)
  TEMPORAL_ADDRESS    use this Temporal server instead of a local dev server (host:port)
  TEMPORAL_NAMESPACE  Temporal namespace (default "default")
  HCRM_VENV           the Python venv with dbt and temporal (default <repo>/.venv)
  HCRM_TASK_QUEUE     task queue of the pipeline worker (default hcrm-pipeline-<hash of the state dir>)
  HCRM_DUCKDB_PATH    the DuckDB warehouse file (default <state dir>/warehouse.duckdb)
  HCRM_CONFIG         the project config file (default <repo>/hcrm.yml: identity blocked values and limits)
  HCRM_DEBUG          print stack traces of unexpected errors`;

/** Loads a command lazily, so `hcrm --help` does not pay for Temporal's and DuckDB's start-up. */
type Commands = {
  up: typeof upCommand;
  run: typeof runCommand;
  query: typeof queryCommand;
  ingest: typeof ingestCommand;
  explain: typeof explainCommand;
};
const commands: { [K in keyof Commands]: () => Promise<Commands[K]> } = {
  up: async () => (await import('./commands/up')).upCommand,
  run: async () => (await import('./commands/run')).runCommand,
  query: async () => (await import('./commands/query')).queryCommand,
  ingest: async () => (await import('./commands/ingest')).ingestCommand,
  explain: async () => (await import('./commands/explain')).explainCommand,
};

/** Runs `hcrm` with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  let config: HcrmConfig | undefined;
  const getConfig = () => (config ??= loadConfig(io.env));

  const program = new Command('hcrm')
    .description(DESCRIPTION)
    .addHelpText('after', ENVIRONMENT)
    .showSuggestionAfterError()
    .showHelpAfterError('(run `hcrm --help` to see the commands: up, run, query, explain, ingest)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command('up')
    .description('start the local stack (Temporal dev server with its Web UI, and the worker) until Ctrl-C')
    .action(async () => {
      exitCode = await (await commands.up())(getConfig(), io);
    });

  program
    .command('run')
    .description('run the pipeline once as a Temporal workflow, printing progress and a summary')
    .option('--no-demo-data', 'do not land the bundled demo data set before building')
    .option('--full-refresh', 'rebuild every layer from scratch; identity resolution starts over, so entity ids may be renumbered')
    .addHelpText(
      'after',
      '\nUses a running `hcrm up` of the same state dir, or TEMPORAL_ADDRESS; otherwise starts a dev server\non the same persisted history for the duration of the run. Exits non-zero when the run fails.\n' +
        'Each run resolves only the identifiers that arrived since the last one; ids of existing entities never change.',
    )
    .action(async (options: { demoData: boolean; fullRefresh?: boolean }) => {
      exitCode = await (await commands.run())(getConfig(), io, { demoData: options.demoData, fullRefresh: options.fullRefresh ?? false });
    });

  program
    .command('query')
    .description('run read-only SQL against the warehouse and print the rows')
    .argument('<sql>', 'the SQL to run, e.g. "select * from persons limit 10"')
    .option('--json', 'print the rows as a JSON array (for scripts)')
    .action(async (sql: string, options: { json?: boolean }) => {
      exitCode = await (await commands.query())(getConfig(), io, sql, { json: options.json ?? false });
    });

  program
    .command('explain')
    .description('why is this one person (or group)? an entity, its identifiers and the edges that joined them')
    .argument('<identifier>', '<identifier_type>:<value> (e.g. email:ann@example.com) or an entity id (per_… / grp_…)')
    .addOption(new Option('--entity <type>', 'look only among persons or groups').choices([...ENTITY_TYPES]))
    .option('--limit <n>', 'print paths for at most this many identifiers', (v) => positiveInt(v, '--limit'), 50)
    .option('--json', 'print the entity, identifiers, paths, merges and refused edges as JSON')
    .addHelpText(
      'after',
      '\nValues are normalised as identity resolution does (emails lower-cased, phones international, domains bare).\n' +
        'Each path lists the events (source, time) whose records share an identifier, hop by hop. See docs/identity.md.',
    )
    .action(async (identifier: string, options: { entity?: EntityType; limit: number; json?: boolean }) => {
      exitCode = await (await commands.explain())(getConfig(), io, identifier, {
        entity: options.entity,
        limit: options.limit,
        json: options.json ?? false,
      });
    });

  program
    .command('ingest')
    .description('import a JSON Lines or CSV file of records into a source (the manual source)')
    .argument('<source>', 'the source to import into: manual')
    .argument('<file>', 'a .jsonl/.ndjson file (one record per line) or a .csv file (see docs/ingest.md)')
    .option('--strict', 'fail the whole import, writing nothing, if any line is invalid')
    .addOption(new Option('--format <format>', 'the file format, when the extension does not tell').choices(['jsonl', 'csv']))
    .addHelpText(
      'after',
      '\nInvalid lines go to raw.manual_rejects with file, line number and reason; the valid ones are imported.\n' +
        'Importing a record id again replaces it downstream (the latest import wins). Then: npx hcrm run --no-demo-data',
    )
    .action(async (source: string, file: string, options: { strict?: boolean; format?: 'jsonl' | 'csv' }) => {
      exitCode = await (await commands.ingest())(getConfig(), io, source, file, {
        strict: options.strict ?? false,
        format: options.format,
      });
    });

  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' ? 0 : 2;
    }
    if (error instanceof CliError) {
      io.stderr(`hcrm: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      io.stderr(`hcrm: ${error.message}\n`);
      return 2;
    }
    // Unexpected: still one readable line; the stack only when asked for.
    io.stderr(`hcrm: ${error instanceof Error ? error.message : String(error)}\n`);
    if (io.env.HCRM_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    else io.stderr('(set HCRM_DEBUG=1 for the stack trace)\n');
    return 1;
  }
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${name} must be a positive whole number (got "${value}")`, 2);
  return n;
}

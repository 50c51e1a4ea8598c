import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, type HcrmConfig } from '@hcrm/config';
import { ENTITY_TYPES, type EntityType } from '@hcrm/contracts';
import { CliError } from './errors';
import type { assetsCommand } from './commands/assets';
import type { backfillCommand } from './commands/backfill';
import type { explainCommand } from './commands/explain';
import type { generateCommand } from './commands/generate';
import type { ingestCommand } from './commands/ingest';
import type { queryCommand } from './commands/query';
import type { runCommand } from './commands/run';
import type { scheduleCommand, ScheduleAction } from './commands/schedule';
import type { statusCommand } from './commands/status';
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
  HCRM_WAREHOUSE      duckdb (default), snowflake or bigquery (or warehouse.type in hcrm.yml)
  HCRM_DUCKDB_PATH    the DuckDB warehouse file (default <state dir>/warehouse.duckdb)
  SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_DATABASE, SNOWFLAKE_WAREHOUSE, SNOWFLAKE_ROLE
                      Snowflake's settings, with SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH
  BIGQUERY_PROJECT, BIGQUERY_LOCATION
                      BigQuery's settings, with GOOGLE_APPLICATION_CREDENTIALS or Application Default Credentials
                      (all in docs/warehouses.md)
  HCRM_CONFIG         the project config file (default <repo>/hcrm.yml: identity blocked values and limits)
  HCRM_DEBUG          print stack traces of unexpected errors`;

/** Loads a command lazily, so `hcrm --help` does not pay for Temporal's and DuckDB's start-up. */
type Commands = {
  up: typeof upCommand;
  run: typeof runCommand;
  query: typeof queryCommand;
  ingest: typeof ingestCommand;
  explain: typeof explainCommand;
  schedule: typeof scheduleCommand;
  backfill: typeof backfillCommand;
  status: typeof statusCommand;
  assets: typeof assetsCommand;
  generate: typeof generateCommand;
};
const commands: { [K in keyof Commands]: () => Promise<Commands[K]> } = {
  up: async () => (await import('./commands/up')).upCommand,
  run: async () => (await import('./commands/run')).runCommand,
  query: async () => (await import('./commands/query')).queryCommand,
  ingest: async () => (await import('./commands/ingest')).ingestCommand,
  explain: async () => (await import('./commands/explain')).explainCommand,
  schedule: async () => (await import('./commands/schedule')).scheduleCommand,
  backfill: async () => (await import('./commands/backfill')).backfillCommand,
  status: async () => (await import('./commands/status')).statusCommand,
  assets: async () => (await import('./commands/assets')).assetsCommand,
  generate: async () => (await import('./commands/generate')).generateCommand,
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
    .showHelpAfterError('(run `hcrm --help` to see the commands: up, run, status, schedule, backfill, assets, query, explain, ingest, generate)')
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
        'Each run resolves only the identifiers that arrived since the last one; ids of existing entities never change.\n' +
        'It starts from the watermarks their owner workflow holds and advances them once its data is committed; a failed run moves nothing.',
    )
    .action(async (options: { demoData: boolean; fullRefresh?: boolean }) => {
      exitCode = await (await commands.run())(getConfig(), io, { demoData: options.demoData, fullRefresh: options.fullRefresh ?? false });
    });

  program
    .command('status')
    .description('the schedule, who holds the warehouse, the latest runs and the watermarks the next run starts from (their owner workflow)')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }) => {
      exitCode = await (await commands.status())(getConfig(), io, { json: options.json ?? false });
    });

  const schedule = program
    .command('schedule')
    .description('manage the Temporal Schedule that runs the pipeline (needs `hcrm up` or TEMPORAL_ADDRESS)')
    .addHelpText(
      'after',
      '\nOne schedule per state dir (id <task queue>-schedule). Overlap policy SKIP: a tick while a run is going is skipped;\n' +
        'scheduled runs, `hcrm run` and backfills never work on the warehouse at the same time. Scheduled runs start from\n' +
        "the watermarks their owner workflow holds (hcrm-watermarks-..., like every run). See docs/orchestration.md.",
    );
  const withSpec = (command: Command) =>
    command
      .option('--every <interval>', 'run at this interval: 30s, 15m, 1h, 1d')
      .option('--cron <expression>', 'run on this cron expression, e.g. "0 * * * *"')
      .option('--catchup-window <duration>', 'after an outage, still start missed runs this late (default 10m on create)')
      .option('--note <text>', 'a note shown with the schedule');
  const scheduleAction = (action: ScheduleAction) => async (options: { every?: string; cron?: string; catchupWindow?: string; note?: string }) => {
    exitCode = await (await commands.schedule())(getConfig(), io, action, {
      every: options.every,
      cron: options.cron,
      catchupWindow: options.catchupWindow,
      note: options.note,
    });
  };
  withSpec(schedule.command('create').description('create the schedule, or update it if it exists')).action(scheduleAction('create'));
  withSpec(schedule.command('update').description('change when the schedule runs')).action(scheduleAction('update'));
  schedule.command('describe').description('when it runs, its state, its recent and next runs').action(scheduleAction('describe'));
  schedule.command('pause').option('--note <text>', 'why').description('stop starting runs until unpaused').action(scheduleAction('pause'));
  schedule.command('unpause').option('--note <text>', 'why').description('start runs again').action(scheduleAction('unpause'));
  schedule.command('trigger').description('start a run now (skipped if one is running)').action(scheduleAction('trigger'));
  schedule.command('delete').description('delete the schedule (runs already started go on)').action(scheduleAction('delete'));

  program
    .command('backfill')
    .description('reprocess the raw rows of sources in a time range through every layer, in chunks')
    .requiredOption('--source <name...>', 'the source(s) to reprocess, e.g. --source manual gadget')
    .requiredOption('--from <time>', 'ISO 8601 start, exclusive (e.g. 2026-01-01T00:00:00Z)')
    .requiredOption('--to <time>', 'ISO 8601 end, inclusive')
    .option('--chunk-hours <hours>', 'hours of synced_at per chunk', (v) => positiveInt(v, '--chunk-hours'), 24)
    .addHelpText(
      'after',
      '\nRuns the `backfill` workflow (also startable from the Temporal UI, see the README) and follows its progress;\n' +
        "Ctrl-C cancels it. It waits while a pipeline run holds the warehouse and never advances the pipeline's watermarks.",
    )
    .action(async (options: { source: string[]; from: string; to: string; chunkHours: number }) => {
      exitCode = await (await commands.backfill())(getConfig(), io, {
        sources: options.source,
        from: options.from,
        to: options.to,
        chunkHours: options.chunkHours,
      });
    });

  program
    .command('assets')
    .description('every table the pipeline writes, by layer: last materialization, age, staleness, checks')
    .argument('[name]', 'one asset (schema.table, e.g. crm.persons): its upstream, downstream and check results')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      '\nAssets are the dbt models (from the manifest), the tables SQL activities write (identity.*, ops.pipeline_windows)\n' +
        'and the landed raw tables. Each run records a materialization per asset in ops.materializations; dbt tests are\n' +
        "the assets' checks. Stale: an upstream asset was materialized after it.",
    )
    .action(async (name: string | undefined, options: { json?: boolean }) => {
      exitCode = await (await commands.assets())(getConfig(), io, name, { json: options.json ?? false });
    });

  program
    .command('query')
    .description('run read-only SQL against the warehouse and print the rows (on Snowflake and BigQuery: one SELECT, WITH, SHOW, DESCRIBE or EXPLAIN, with schema-qualified names)')
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
    .description("import a file into a source's raw tables with the loader its lib offers (manual: JSON Lines or CSV records)")
    .argument('<source>', 'the source to import into: one whose lib offers a file loader (manual)')
    .argument('<file>', 'for manual: a .jsonl/.ndjson file (one record per line) or a .csv file (see docs/ingest.md)')
    .option('--strict', 'fail the whole import, writing nothing, if any line is invalid')
    .option('--format <format>', "the file format, when the extension does not tell (one of the loader's formats; manual: jsonl, csv)")
    .addHelpText(
      'after',
      '\nInvalid lines go to the loader\'s rejects table (manual: raw.manual_rejects) with file, line number and reason; the valid ones are imported.\n' +
        'Importing a record id again replaces it downstream (the latest import wins). Then: npx hcrm run --no-demo-data\n' +
        'A source lib offers file imports with a `loader` on its `source` export (docs/sources.md).',
    )
    .action(async (source: string, file: string, options: { strict?: boolean; format?: string }) => {
      exitCode = await (await commands.ingest())(getConfig(), io, source, file, {
        strict: options.strict ?? false,
        format: options.format,
      });
    });

  const ratio = (name: string) => (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new CliError(`${name} must be a number of at least 0 (got "${v}")`, 2);
    return n;
  };
  program
    .command('generate')
    .description('write a synthetic data set (with its ground truth) into the raw tables of every demo source')
    .requiredOption('--persons <n>', 'how many people: 10 for development, 1000000 for load tests', (v) => positiveInt(v, '--persons'))
    .option('--seed <n>', 'the same seed gives the same data', (v) => positiveInt(v, '--seed'), 1)
    .option('--append', 'add a new increment on top of earlier generated data: new people, new events and links for earlier ones')
    .option('--existing-persons <n>', 'with --append: earlier people who get a new record linking two of their identifiers (default persons/10)', (v) => positiveInt(v, '--existing-persons'))
    .option('--groups-per-person <x>', 'companies per person', ratio('--groups-per-person'), 0.2)
    .option('--emails-per-person <x>', 'average emails per person, from 1', ratio('--emails-per-person'), 1.4)
    .option('--phones-per-person <x>', 'share of people with a phone', ratio('--phones-per-person'), 0.6)
    .option('--events-per-person <x>', 'manual records per person', ratio('--events-per-person'), 2)
    .option('--multi-source-share <x>', 'share of companies also in gadget and shopify_partner', ratio('--multi-source-share'), 0.5)
    .option('--no-noise', 'no case/format variants, junk values or shared generic addresses')
    .option('--synced-before <time>', 'stamp synced_at before this ISO time (default now)')
    .option('--synced-spread <minutes>', 'spread synced_at over this many minutes before --synced-before', ratio('--synced-spread'), 5)
    .addHelpText(
      'after',
      '\nThe truth (which true person or company each identifier belongs to) goes to truth.identifiers; the pipeline never\n' +
        'reads it; bench/scale.ts measures the resolution against it. Then: npx hcrm run --no-demo-data. See docs/generate.md.',
    )
    .action(
      async (options: {
        persons: number;
        seed: number;
        append?: boolean;
        existingPersons?: number;
        groupsPerPerson: number;
        emailsPerPerson: number;
        phonesPerPerson: number;
        eventsPerPerson: number;
        multiSourceShare: number;
        noise: boolean;
        syncedBefore?: string;
        syncedSpread: number;
      }) => {
        const syncedBefore = options.syncedBefore ? new Date(options.syncedBefore) : undefined;
        if (syncedBefore && Number.isNaN(syncedBefore.getTime())) throw new CliError(`--synced-before must be an ISO time (got "${options.syncedBefore}")`, 2);
        const generateCommand = await commands.generate();
        exitCode = await generateCommand(getConfig(), io, {
          persons: options.persons,
          seed: options.seed,
          append: options.append ?? false,
          existingPersons: options.existingPersons,
          groupsPerPerson: options.groupsPerPerson,
          emailsPerPerson: Math.max(1, options.emailsPerPerson),
          phonesPerPerson: options.phonesPerPerson,
          userIdsPerPerson: 0.5,
          eventsPerPerson: options.eventsPerPerson,
          linkAllShare: 0.9,
          multiSourceShare: options.multiSourceShare,
          noise: options.noise,
          syncedBefore,
          syncedSpreadMinutes: options.syncedSpread,
        });
      },
    );

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

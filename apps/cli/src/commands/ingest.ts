import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ADD_SOURCE_HINT, type HcrmConfig } from '@hcrm/config';
import { SourceLoadError, type LoadProgress, type RawTableDefinition, type RegisteredSource, type SourceLoader } from '@hcrm/contracts';
import { findSource, registeredSources } from '@hcrm/pipeline';
import { ensureRawTable, insertRawRows } from '@hcrm/warehouse';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import { holdWarehouse, type HeldWarehouse } from '../warehouse-lock';

export interface IngestOptions {
  strict: boolean;
  format?: string;
}

const SHOWN_REJECTS = 5;

/**
 * `hcrm ingest <source> <file>`: streams a file into a source's raw tables with the loader
 * its lib offers (RegisteredSource.loader), committing each batch the loader reads in its
 * own transaction, so neither Node nor DuckDB (which keeps uncommitted rows in memory) grows
 * with the file. An import that dies half-way leaves whole batches of a prefix of the file;
 * importing the file again supersedes them (every row carries this import's watermark, and
 * the latest import wins downstream).
 */
export async function ingestCommand(
  config: HcrmConfig,
  io: CliIo,
  sourceName: string,
  fileArg: string,
  options: IngestOptions,
): Promise<number> {
  const { source, loader } = loaderOf(sourceName);
  if (options.format !== undefined && !loader.formats.includes(options.format)) {
    throw new CliError(`--format ${options.format}: the ${sourceName} source reads ${loader.formats.join(', ')} files.`, 2);
  }
  const file = resolve(fileArg);
  if (!existsSync(file)) throw new CliError(`No such file: ${file}`);

  const importId = randomUUID();
  const counts = { records: 0, rejected: 0, rows: new Map<string, number>() };
  const shownRejects: string[] = [];
  const tables = new Map<string, RawTableDefinition>([...source.definition.rawTables, ...(loader.extraTables ?? [])].map((t) => [t.name, t]));
  // The loader asks for the stamp once the file passed its checks (a --strict first pass):
  // only then is the warehouse opened and its lock taken, and the stamp is the time it was
  // taken, so no run can have fixed a window past it and no row lands behind a built window.
  let held: Promise<HeldWarehouse> | undefined;
  let stamp: Promise<string> | undefined;
  const syncedAt = () =>
    (stamp ??= (held = holdWarehouse(config, io, `hcrm ingest ${sourceName}`)).then(() => new Date().toISOString()));

  try {
    const batches = loader.read(file, { ...(options.format ? { format: options.format } : {}), strict: options.strict, importId, syncedAt, onProgress: progressPrinter(io, file) });
    const iterator = batches[Symbol.asyncIterator]();
    try {
      // A file refused before its first batch writes nothing (and opens nothing).
      let next = await iterator.next();
      const { warehouse } = await (held ??= holdWarehouse(config, io, `hcrm ingest ${sourceName}`));
      // Idempotent DDL, outside any transaction (Snowflake commits at DDL, BigQuery refuses it in one).
      for (const table of tables.values()) await ensureRawTable(warehouse, table);
      // Every row carries this import's new watermark (or import id): none can be there yet.
      const asIs = { skipExisting: false };
      while (!next.done) {
        const batch = next.value;
        await warehouse.transaction(async () => {
          for (const [name, rows] of Object.entries(batch.rows)) {
            const table = tables.get(name);
            if (!table) throw new Error(`the ${sourceName} loader wrote rows for ${name}, which is neither a raw table of the source nor one of its loader's tables`);
            if (rows.length) await insertRawRows(warehouse, table, rows, asIs);
          }
        });
        counts.records += batch.records;
        counts.rejected += batch.rejects.length;
        for (const [name, rows] of Object.entries(batch.rows)) counts.rows.set(name, (counts.rows.get(name) ?? 0) + rows.length);
        for (const reject of batch.rejects) if (shownRejects.length < SHOWN_REJECTS) shownRejects.push(`line ${reject.line}: ${reject.reason}`);
        next = await iterator.next();
      }
    } finally {
      if (held) await (await held).release();
    }
  } catch (error) {
    if (error instanceof SourceLoadError) throw new CliError(error.message);
    throw error;
  }

  const landed = source.definition.rawTables
    .map((t) => `${t.name} ${(counts.rows.get(t.name) ?? 0).toLocaleString('en-US')}`)
    .join(', ');
  const where = loader.rejectsTable ? `${loader.rejectsTable}, import_id ${importId}` : `import_id ${importId}`;
  io.stdout(
    `Imported ${counts.records} records from ${file} (rows: ${landed})\n` +
      `Rejected ${counts.rejected} lines${counts.rejected ? ` (${where})` : ''}\n` +
      shownRejects.map((reject) => `  ${reject}\n`).join('') +
      (counts.rejected > shownRejects.length ? `  ... and ${counts.rejected - shownRejects.length} more\n` : '') +
      'Run `npx hcrm run --no-demo-data` to build the layers from it.\n',
  );
  return 0;
}

/** The source and its file loader, or an error that names the sources there are and those that read files. */
function loaderOf(name: string): { source: RegisteredSource; loader: SourceLoader } {
  let source: RegisteredSource;
  try {
    source = findSource(name);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  if (!source.loader) {
    const withLoaders = registeredSources.filter((s) => s.loader).map((s) => s.definition.name);
    throw new CliError(
      `source "${name}" is filled by its own loader, not by file imports; sources that import files: ${withLoaders.join(', ') || 'none'} ` +
        `(hcrm ingest ${withLoaders[0] ?? '<source>'} <file>). A source lib offers file imports with a \`loader\` on its \`source\` export; ${ADD_SOURCE_HINT}`,
    );
  }
  return { source, loader: source.loader };
}

/** Progress on stderr: a live line on a terminal, otherwise a line per 10 %. */
function progressPrinter(io: CliIo, file: string): (progress: LoadProgress) => void {
  let lastPrinted = 0;
  let lastDecile = -1;
  return ({ bytesRead, totalBytes, lines }) => {
    if (totalBytes === 0) return;
    const percent = Math.min(100, Math.floor((bytesRead / totalBytes) * 100));
    const text = `importing ${file}: ${percent}% (${lines.toLocaleString('en-US')} lines)`;
    if (io.isTTY) {
      if (Date.now() - lastPrinted < 250 && percent < 100) return;
      lastPrinted = Date.now();
      io.stderr(`\r${text}${percent === 100 ? '\n' : ''}`);
    } else if (Math.floor(percent / 10) > lastDecile && totalBytes > 10_000_000) {
      lastDecile = Math.floor(percent / 10);
      io.stderr(`${text}\n`);
    }
  };
}

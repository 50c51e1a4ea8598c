import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { HcrmConfig } from '@hcrm/config';
import { findSource } from '@hcrm/pipeline';
import {
  CsvHeaderError,
  flattenRecord,
  formatOf,
  manual,
  MANUAL_REJECTS_TABLE,
  readRecords,
  type FileFormat,
  type FlatRecord,
  type ReadProgress,
} from '@hcrm/source-manual';
import { ensureRawTable, insertRawRows, type SqlValue } from '@hcrm/warehouse';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import { openWritableWarehouse } from './query';

export interface IngestOptions {
  strict: boolean;
  format?: FileFormat;
}

/**
 * Records per committed chunk. Each chunk is its own transaction, so neither Node nor DuckDB
 * (which keeps uncommitted rows in memory) grows with the file.
 */
const FLUSH_RECORDS = 20_000;
const MAX_RAW_LINE = 2000;
const SHOWN_REJECTS = 5;

type Rows = Array<Record<string, SqlValue>>;

/** The import was refused as a whole (strict mode): nothing is written. */
class ImportAborted extends Error {}

/**
 * `hcrm ingest manual <file>`: streams a JSON Lines or CSV file into the manual source's raw
 * tables, committing in chunks. Bad lines go to raw.manual_rejects with file, line and reason.
 * With --strict, a first pass reads the whole file and the first bad line aborts the import
 * before anything is written. An import that dies half-way leaves whole records of a prefix
 * of the file; importing the file again supersedes them (the latest import wins).
 */
export async function ingestCommand(
  config: HcrmConfig,
  io: CliIo,
  sourceName: string,
  fileArg: string,
  options: IngestOptions,
): Promise<number> {
  checkSource(sourceName);
  const file = resolve(fileArg);
  if (!existsSync(file)) throw new CliError(`No such file: ${file}`);
  const format = options.format ?? formatOf(file);
  if (!format) throw new CliError(`Cannot tell the format of ${file} from its name: pass --format jsonl or --format csv.`);

  const importId = randomUUID();
  const syncedAt = new Date().toISOString();
  const counts = { records: 0, entityRows: 0, memberships: 0, rejected: 0 };
  const shownRejects: string[] = [];
  const progress = progressPrinter(io, file);

  try {
    if (options.strict) {
      for await (const line of readRecords(file, format)) {
        if (!line.result.ok) throw new ImportAborted(`${file} line ${line.lineNumber}: ${line.result.reason}`);
      }
    }
  } catch (error) {
    throw translateImportError(error);
  }

  const warehouse = await openWritableWarehouse(config);
  try {
    // Idempotent DDL, outside any transaction (Snowflake commits at DDL, BigQuery refuses it in one).
    for (const table of [...manual.rawTables, MANUAL_REJECTS_TABLE]) await ensureRawTable(warehouse, table);
    const buffer = { records: [] as Rows, entities: [] as Rows, memberships: [] as Rows, rejects: [] as Rows };
    // Every row carries this import's new synced_at (or import_id): none can be there yet.
    const asIs = { skipExisting: false };
    const flush = async () => {
      const [records, entities, memberships] = manual.rawTables;
      if (records && entities && memberships) {
        await insertRawRows(warehouse, records, buffer.records, asIs);
        await insertRawRows(warehouse, entities, buffer.entities, asIs);
        await insertRawRows(warehouse, memberships, buffer.memberships, asIs);
      }
      await insertRawRows(warehouse, MANUAL_REJECTS_TABLE, buffer.rejects, asIs);
      buffer.records = [];
      buffer.entities = [];
      buffer.memberships = [];
      buffer.rejects = [];
    };
    for await (const line of readRecords(file, format, progress)) {
      if (line.result.ok) {
        const flat: FlatRecord = flattenRecord(line.result.record, syncedAt, file, line.lineNumber);
        buffer.records.push(flat.manual_records_raw);
        buffer.entities.push(...flat.manual_record_entities_raw);
        buffer.memberships.push(...flat.manual_record_memberships_raw);
        counts.records += 1;
        counts.entityRows += flat.manual_record_entities_raw.length;
        counts.memberships += flat.manual_record_memberships_raw.length;
      } else {
        const where = `line ${line.lineNumber}: ${line.result.reason}`;
        counts.rejected += 1;
        if (shownRejects.length < SHOWN_REJECTS) shownRejects.push(where);
        buffer.rejects.push({
          import_id: importId,
          source_file: file,
          line_number: line.lineNumber,
          reason: line.result.reason,
          raw_line: line.rawLine.slice(0, MAX_RAW_LINE),
          rejected_at: syncedAt,
        });
      }
      if (buffer.records.length + buffer.rejects.length >= FLUSH_RECORDS) await warehouse.transaction(flush);
    }
    await warehouse.transaction(flush);
  } catch (error) {
    throw translateImportError(error);
  } finally {
    await warehouse.close();
  }

  io.stdout(
    `Imported ${counts.records} records (${counts.entityRows} identifier and trait values, ${counts.memberships} memberships) from ${file}\n` +
      `Rejected ${counts.rejected} lines${counts.rejected ? ` (raw.manual_rejects, import_id ${importId})` : ''}\n` +
      shownRejects.map((reject) => `  ${reject}\n`).join('') +
      (counts.rejected > shownRejects.length ? `  ... and ${counts.rejected - shownRejects.length} more\n` : '') +
      'Run `npx hcrm run --no-demo-data` to build the layers from it.\n',
  );
  return 0;
}

function translateImportError(error: unknown): unknown {
  if (error instanceof ImportAborted) return new CliError(`Import aborted (--strict), nothing was written: ${error.message}`);
  // The header is read before any row: nothing was written either.
  if (error instanceof CsvHeaderError) return new CliError(`${error.message}. Nothing was written.`);
  return error;
}

function checkSource(name: string): void {
  let source;
  try {
    source = findSource(name);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  if (source.definition.name !== manual.name) {
    throw new CliError(
      `source "${name}" is filled by its own loader, not by file imports; import files into the manual source: hcrm ingest manual <file>`,
    );
  }
}

/** Progress on stderr: a live line on a terminal, otherwise a line per 10 %. */
function progressPrinter(io: CliIo, file: string): (progress: ReadProgress) => void {
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

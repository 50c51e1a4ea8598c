import { SourceLoadError, type LoadBatch, type LoadOptions, type RawRow, type SourceLoader } from '@hcrm/contracts';
import { CsvHeaderError } from './csv';
import { flattenRecord } from './flatten';
import { formatOf, readRecords, type FileFormat } from './read-file';
import { manual, MANUAL_REJECTS_TABLE } from './source';

/** Records per batch: the CLI commits each in one transaction, so memory stays flat whatever the file. */
const BATCH_RECORDS = 20_000;
const MAX_RAW_LINE = 2000;

function fileFormat(file: string, format: string | undefined): FileFormat {
  if (format === 'jsonl' || format === 'csv') return format;
  if (format !== undefined) throw new SourceLoadError(`the manual source reads jsonl or csv files, not ${format}`);
  const known = formatOf(file);
  if (!known) throw new SourceLoadError(`Cannot tell the format of ${file} from its name: pass --format jsonl or --format csv.`);
  return known;
}

/**
 * `hcrm ingest manual <file>`: a JSON Lines or CSV file of records, validated and flattened
 * into the three raw tables; bad lines go to raw.manual_rejects with file, line and reason.
 * With `strict`, a first pass reads the whole file and its first bad line refuses it before
 * any batch. A CSV header that breaks the convention refuses the file.
 */
async function* read(file: string, options: LoadOptions): AsyncGenerator<LoadBatch> {
  const format = fileFormat(file, options.format);
  try {
    if (options.strict) {
      for await (const line of readRecords(file, format)) {
        if (!line.result.ok) throw new SourceLoadError(`Import aborted (--strict), nothing was written: ${file} line ${line.lineNumber}: ${line.result.reason}`);
      }
    }
    // After the first pass: a long --strict scan must not date the rows before it.
    const syncedAt = await options.syncedAt();
    let batch = emptyBatch();
    for await (const line of readRecords(file, format, options.onProgress)) {
      if (line.result.ok) {
        const flat = flattenRecord(line.result.record, syncedAt, file, line.lineNumber);
        push(batch, 'manual_records_raw', [flat.manual_records_raw]);
        push(batch, 'manual_record_entities_raw', flat.manual_record_entities_raw);
        push(batch, 'manual_record_memberships_raw', flat.manual_record_memberships_raw);
        batch.records += 1;
      } else {
        batch.rejects.push({ line: line.lineNumber, reason: line.result.reason });
        push(batch, MANUAL_REJECTS_TABLE.name, [
          {
            import_id: options.importId,
            source_file: file,
            line_number: line.lineNumber,
            reason: line.result.reason,
            raw_line: line.rawLine.slice(0, MAX_RAW_LINE),
            rejected_at: syncedAt,
          },
        ]);
      }
      if (batch.records + batch.rejects.length >= BATCH_RECORDS) {
        yield batch;
        batch = emptyBatch();
      }
    }
    yield batch;
  } catch (error) {
    // The header is read before any row: nothing was written either.
    if (error instanceof CsvHeaderError) throw new SourceLoadError(`${error.message}. Nothing was written.`);
    throw error;
  }
}

type MutableBatch = { rows: Record<string, RawRow[]>; records: number; rejects: Array<{ line: number; reason: string }> };

function emptyBatch(): MutableBatch {
  return { rows: Object.fromEntries([...manual.rawTables, MANUAL_REJECTS_TABLE].map((table) => [table.name, []])), records: 0, rejects: [] };
}

function push(batch: MutableBatch, table: string, rows: readonly object[]): void {
  const list = batch.rows[table] as RawRow[];
  for (const row of rows) list.push(row as RawRow);
}

export const manualLoader: SourceLoader = {
  formats: ['jsonl', 'csv'],
  extraTables: [MANUAL_REJECTS_TABLE],
  rejectsTable: `raw.${MANUAL_REJECTS_TABLE.name}`,
  read,
};

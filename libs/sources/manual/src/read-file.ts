import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { checkCsvHeader, CsvHeaderError, csvRowToObject } from './csv';
import { parseJsonLine, toRecord, type ParseResult } from './record';

export type FileFormat = 'jsonl' | 'csv';

export interface ReadLine {
  lineNumber: number;
  rawLine: string;
  result: ParseResult;
}

export interface ReadProgress {
  bytesRead: number;
  totalBytes: number;
  lines: number;
}

/** jsonl for .jsonl/.ndjson/.json, csv for .csv; anything else must be given explicitly. */
export function formatOf(file: string): FileFormat | undefined {
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl';
  if (/\.csv$/i.test(file)) return 'csv';
  return undefined;
}

/**
 * Streams a file's records one at a time, never holding the file in memory: each yields
 * its line number, its text and either a valid record or the reason it was rejected.
 * Blank lines are skipped. A CSV header that breaks the convention throws CsvHeaderError.
 */
export async function* readRecords(
  file: string,
  format: FileFormat,
  onProgress?: (progress: ReadProgress) => void,
): AsyncGenerator<ReadLine> {
  const totalBytes = statSync(file).size;
  const stream = createReadStream(file);
  let lines = 0;
  const report = () => onProgress?.({ bytesRead: stream.bytesRead, totalBytes, lines });
  if (format === 'jsonl') {
    const reader = createInterface({ input: stream, crlfDelay: Infinity });
    for await (const rawLine of reader) {
      lines += 1;
      // A byte-order mark (some editors write one) is not part of the first record.
      const line = lines === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
      if (lines % 1000 === 0) report();
      if (line.trim() === '') continue;
      yield { lineNumber: lines, rawLine: line, result: parseJsonLine(line) };
    }
  } else {
    const parser = stream.pipe(
      parse({
        info: true,
        relax_column_count: true,
        bom: true,
        skip_empty_lines: true,
        // A stray quote inside a field is taken literally; a row csv-parse still cannot read
        // is skipped and becomes a reject below, instead of failing the import.
        relax_quotes: true,
        skip_records_with_error: true,
      }),
    );
    const unreadable: ReadLine[] = [];
    parser.on('skip', (error: Error & { lines?: number; raw?: string }) => {
      unreadable.push({
        lineNumber: error.lines ?? lines,
        rawLine: error.raw ?? '',
        result: { ok: false, reason: `unreadable CSV row: ${error.message}` },
      });
    });
    let header: string[] | undefined;
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield* unreadable.splice(0);
      lines = info.lines;
      if (lines % 1000 === 0) report();
      // info.lines is where the record ends; a quoted field may span lines, so count back to its start.
      const startLine = info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
      if (!header) {
        header = record.map((cell) => cell.trim());
        checkCsvHeader(header);
        continue;
      }
      const result: ParseResult =
        record.length > header.length
          ? { ok: false, reason: `row has ${record.length} cells but the header has ${header.length}` }
          : toRecord(csvRowToObject(header, record));
      yield { lineNumber: startLine, rawLine: record.join(','), result };
    }
    yield* unreadable.splice(0);
    if (!header) throw new CsvHeaderError('the CSV file is empty: it needs a header row (see docs/ingest.md)');
  }
  report();
}

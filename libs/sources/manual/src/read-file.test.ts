import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CsvHeaderError } from './csv';
import { formatOf, readRecords } from './read-file';
import type { FileFormat, ReadLine, ReadProgress } from './read-file';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hcrm-manual-read-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function readAll(file: string, format: FileFormat, progress: ReadProgress[] = []): Promise<ReadLine[]> {
  const lines: ReadLine[] = [];
  for await (const line of readRecords(file, format, (p) => progress.push(p))) lines.push(line);
  return lines;
}

/** line number → the record id, or the reject reason prefixed with "!" */
function summary(lines: ReadLine[]): Array<[number, string]> {
  return lines.map((l) => [l.lineNumber, l.result.ok ? l.result.record.id : `!${l.result.reason}`]);
}

const jsonLine = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, occurred_at: '2024-01-01T10:00:00Z', ...extra });

describe('formatOf', () => {
  it.each([
    ['data.jsonl', 'jsonl'],
    ['data.ndjson', 'jsonl'],
    ['data.json', 'jsonl'],
    ['/some/dir/DATA.JSONL', 'jsonl'],
    ['export.csv', 'csv'],
    ['C:\\exports\\Export.CSV', 'csv'],
    ['archive.csv.gz', undefined],
    ['data.txt', undefined],
    ['jsonl', undefined],
    ['data.jsonl.bak', undefined],
    ['', undefined],
  ])('gives %j the format %s', (file, format) => {
    expect(formatOf(file)).toBe(format);
  });
});

describe('readRecords: JSON Lines', () => {
  it('yields each line with its number, text and parse result', async () => {
    const first = jsonLine('a', { persons: [{ identifiers: { email: 'a@x.com' } }] });
    const file = write('in.jsonl', `${first}\n${jsonLine('b')}\n`);
    const lines = await readAll(file, 'jsonl');
    expect(lines).toHaveLength(2);
    expect(lines[0]?.lineNumber).toBe(1);
    expect(lines[0]?.rawLine).toBe(first);
    expect(lines[0]?.result).toMatchObject({ ok: true, record: { id: 'a', persons: [{ identifiers: { email: ['a@x.com'] } }] } });
    expect(summary(lines)).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('skips blank and whitespace-only lines but keeps counting them', async () => {
    const file = write('in.jsonl', `\n${jsonLine('a')}\n\n   \n\t\n${jsonLine('b')}\n\n\n${jsonLine('c')}`);
    expect(summary(await readAll(file, 'jsonl'))).toEqual([
      [2, 'a'],
      [6, 'b'],
      [9, 'c'],
    ]);
  });

  it('yields rejected lines with their reason among the valid ones', async () => {
    const file = write('in.jsonl', [jsonLine('a'), 'not json', '{"id":"x"}', '[1,2]', jsonLine('b', { extra: 1 }), jsonLine('c')].join('\n'));
    const lines = await readAll(file, 'jsonl');
    expect(lines.map((l) => l.lineNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lines[1]?.rawLine).toBe('not json');
    expect(lines[1]?.result.ok).toBe(false);
    expect(summary(lines)[1]?.[1]).toMatch(/^!not valid JSON: /);
    expect(summary(lines).slice(2)).toEqual([
      [3, '!missing occurred_at'],
      [4, '!the line must be a JSON object'],
      [5, expect.stringContaining('!unknown top-level key(s) "extra"')],
      [6, 'c'],
    ]);
  });

  it('handles CRLF line endings', async () => {
    const file = write('in.jsonl', `${jsonLine('a')}\r\n\r\n${jsonLine('b')}\r\n`);
    const lines = await readAll(file, 'jsonl');
    expect(summary(lines)).toEqual([
      [1, 'a'],
      [3, 'b'],
    ]);
    expect(lines[1]?.rawLine).toBe(jsonLine('b'));
  });

  it('reads multi-byte text intact', async () => {
    const file = write('in.jsonl', `${jsonLine('ü-1', { persons: [{ traits: { name: 'Zoë Ångström 日本' } }] })}\n`);
    const [line] = await readAll(file, 'jsonl');
    expect(line?.result).toMatchObject({ ok: true, record: { id: 'ü-1', persons: [{ traits: { name: 'Zoë Ångström 日本' } }] } });
  });

  it('yields nothing for an empty file', async () => {
    expect(await readAll(write('empty.jsonl', ''), 'jsonl')).toEqual([]);
  });

  it('reads a file regardless of its extension when the format is given', async () => {
    expect(summary(await readAll(write('records.txt', jsonLine('a')), 'jsonl'))).toEqual([[1, 'a']]);
  });
});

describe('readRecords: CSV', () => {
  it('turns each row into a record, numbering rows by their line in the file', async () => {
    const file = write(
      'in.csv',
      ['id,occurred_at,person.email,person_trait.name,group.domain,membership_role', 'r1,2024-01-01T10:00:00,ann@x.com,Ann,x.com,owner', 'r2,2024-01-02 09:30,,Bob,,'].join('\n') + '\n',
    );
    const lines = await readAll(file, 'csv');
    expect(summary(lines)).toEqual([
      [2, 'r1'],
      [3, 'r2'],
    ]);
    expect(lines[0]?.rawLine).toBe('r1,2024-01-01T10:00:00,ann@x.com,Ann,x.com,owner');
    expect(lines[0]?.result).toEqual({
      ok: true,
      record: {
        id: 'r1',
        occurredAt: '2024-01-01T10:00:00.000Z',
        eventName: 'record_imported',
        eventType: null,
        eventDescription: null,
        value: null,
        valueUnit: null,
        persons: [{ identifiers: { email: ['ann@x.com'] }, traits: { name: 'Ann' } }],
        groups: [{ identifiers: { domain: ['x.com'] }, traits: {} }],
        memberships: [{ person: { type: 'email', value: 'ann@x.com' }, group: { type: 'domain', value: 'x.com' }, role: 'owner' }],
      },
    });
    expect(lines[1]?.result).toMatchObject({ ok: true, record: { occurredAt: '2024-01-02T09:30:00.000Z', persons: [{ identifiers: {}, traits: { name: 'Bob' } }], groups: [], memberships: [] } });
  });

  it('reads quoted fields containing commas, quotes and newlines', async () => {
    const file = write(
      'in.csv',
      [
        'id,occurred_at,event_description,person_trait.name',
        'r1,2024-01-01T10:00:00Z,"Called, then emailed","Doe, Jane"',
        'r2,2024-01-01T10:00:00Z,"first line',
        'second line, with a comma',
        'third ""quoted"" line",Ann',
        'r3,2024-01-01T10:00:00Z,"say ""hi""",Bob',
      ].join('\n') + '\n',
    );
    const lines = await readAll(file, 'csv');
    expect(lines.map((l) => (l.result.ok ? [l.result.record.id, l.result.record.eventDescription, l.result.record.persons[0]?.traits.name] : l.result.reason))).toEqual([
      ['r1', 'Called, then emailed', 'Doe, Jane'],
      ['r2', 'first line\nsecond line, with a comma\nthird "quoted" line', 'Ann'],
      ['r3', 'say "hi"', 'Bob'],
    ]);
    // The rows around a multi-line row keep the numbers of their lines in the file.
    expect(lines[0]?.lineNumber).toBe(2);
    expect(lines[2]?.lineNumber).toBe(6);
    expect(lines.map((l) => l.lineNumber)).toEqual([...lines.map((l) => l.lineNumber)].sort((a, b) => a - b));
  });

  it('skips empty lines but keeps counting them', async () => {
    const file = write('in.csv', 'id,occurred_at\n\nr1,2024-01-01\n\n\nr2,2024-01-02\n');
    expect(summary(await readAll(file, 'csv'))).toEqual([
      [3, 'r1'],
      [6, 'r2'],
    ]);
  });

  it('rejects a row with more cells than the header, and keeps going', async () => {
    const file = write('in.csv', 'id,occurred_at\nr1,2024-01-01,extra\nr2,2024-01-02\nr3,2024-01-03,,\n');
    const lines = await readAll(file, 'csv');
    expect(summary(lines)).toEqual([
      [2, '!row has 3 cells but the header has 2'],
      [3, 'r2'],
      [4, '!row has 4 cells but the header has 2'],
    ]);
    expect(lines[0]?.rawLine).toBe('r1,2024-01-01,extra');
  });

  it('accepts a row with fewer cells than the header, treating the missing ones as empty', async () => {
    const file = write('in.csv', 'id,occurred_at,person.email,event_name\nr1,2024-01-01\n');
    expect((await readAll(file, 'csv'))[0]?.result).toMatchObject({ ok: true, record: { id: 'r1', persons: [], eventName: 'record_imported' } });
  });

  it('rejects rows that break the record rules with the record reason', async () => {
    const file = write('in.csv', 'id,occurred_at,value\n,2024-01-01,\nr2,,\nr3,tomorrow,\nr4,2024-01-01,many\n');
    expect(summary(await readAll(file, 'csv'))).toEqual([
      [2, '!missing id'],
      [3, '!missing occurred_at'],
      [4, '!occurred_at "tomorrow" is not an ISO 8601 timestamp (e.g. 2024-01-01T10:00:00Z)'],
      [5, '!value must be a number or null'],
    ]);
  });

  it('throws CsvHeaderError for a header with an unknown column, before yielding any row', async () => {
    const file = write('in.csv', 'id,occurred_at,email\nr1,2024-01-01,a@x.com\n');
    const seen: ReadLine[] = [];
    const read = async () => {
      for await (const line of readRecords(file, 'csv')) seen.push(line);
    };
    await expect(read()).rejects.toThrow(CsvHeaderError);
    await expect(read()).rejects.toThrow('CSV column(s) "email" do not follow the convention');
    expect(seen).toEqual([]);
  });

  it('throws CsvHeaderError for a header without occurred_at', async () => {
    const file = write('in.csv', 'id,event_name\nr1,x\n');
    await expect(readAll(file, 'csv')).rejects.toThrow('CSV header has no "occurred_at" column');
  });

  it('trims header cells and accepts quoted header cells, a BOM and CRLF line endings', async () => {
    const file = write('in.csv', '\uFEFF id ,"occurred_at", person.email \r\nr1,2024-01-01T10:00:00Z,a@x.com\r\n\r\nr2,2024-01-02T10:00:00Z,b@x.com\r\n');
    const lines = await readAll(file, 'csv');
    expect(summary(lines)).toEqual([
      [2, 'r1'],
      [4, 'r2'],
    ]);
    expect(lines[1]?.result).toMatchObject({ ok: true, record: { persons: [{ identifiers: { email: ['b@x.com'] } }] } });
  });

  it('yields nothing for a file with only a header', async () => {
    expect(await readAll(write('in.csv', 'id,occurred_at\n'), 'csv')).toEqual([]);
  });
});

describe('readRecords: progress', () => {
  it('reports once at the end for a small file, with every byte read', async () => {
    const content = `${jsonLine('a')}\n\n${jsonLine('b')}\n`;
    const file = write('in.jsonl', content);
    const progress: ReadProgress[] = [];
    await readAll(file, 'jsonl', progress);
    expect(progress).toEqual([{ bytesRead: Buffer.byteLength(content), totalBytes: statSync(file).size, lines: 3 }]);
  });

  it('reports every 1000 lines and at the end, with totalBytes the file size', async () => {
    const content = Array.from({ length: 2500 }, (_, i) => jsonLine(`r${i}`)).join('\n') + '\n';
    const file = write('big.jsonl', content);
    const size = statSync(file).size;
    const progress: ReadProgress[] = [];
    const lines = await readAll(file, 'jsonl', progress);
    expect(lines).toHaveLength(2500);
    expect(progress.map((p) => p.lines)).toEqual([1000, 2000, 2500]);
    for (const p of progress) {
      expect(p.totalBytes).toBe(size);
      expect(p.bytesRead).toBeLessThanOrEqual(size);
    }
    expect(progress.map((p) => p.bytesRead)).toEqual([...progress.map((p) => p.bytesRead)].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ bytesRead: size, totalBytes: size, lines: 2500 });
  });

  it('reports CSV progress in lines of the file, ending with every byte read', async () => {
    const content = 'id,occurred_at\n' + Array.from({ length: 1500 }, (_, i) => `r${i},2024-01-01T10:00:00Z`).join('\n') + '\n';
    const file = write('big.csv', content);
    const size = statSync(file).size;
    const progress: ReadProgress[] = [];
    const lines = await readAll(file, 'csv', progress);
    expect(lines).toHaveLength(1500);
    expect(lines.at(-1)?.lineNumber).toBe(1501);
    expect(progress.map((p) => p.lines)).toEqual([1000, 1501]);
    expect(progress.every((p) => p.totalBytes === size)).toBe(true);
    expect(progress.at(-1)).toEqual({ bytesRead: size, totalBytes: size, lines: 1501 });
  });

  it('refuses an empty CSV: it has no header row', async () => {
    await expect(readAll(write('empty.csv', ''), 'csv', [])).rejects.toThrow(/empty: it needs a header row/);
  });

  it('numbers a CSV row whose quoted field spans lines by the line it starts on', async () => {
    const file = write('multi.csv', 'id,occurred_at,event_description\na,2024-01-01T00:00:00Z,"one\ntwo\nthree"\nb,2024-01-01T00:00:00Z,x\n');
    const lines: number[] = [];
    for await (const line of readRecords(file, 'csv')) lines.push(line.lineNumber);
    expect(lines).toEqual([2, 5]);
  });

  it('reads stray quotes literally and rejects a row whose quote never closes', async () => {
    const file = write(
      'quotes.csv',
      'id,occurred_at,person.email\na,2024-01-01T00:00:00Z,a@x.com\nb,2024-01-01T00:00:00Z,b"@x.com\nc,2024-01-01T00:00:00Z,"c@x.com\n',
    );
    const seen: Array<[number, boolean, string]> = [];
    for await (const line of readRecords(file, 'csv')) {
      seen.push([line.lineNumber, line.result.ok, line.result.ok ? line.result.record.id : line.result.reason]);
    }
    expect(seen).toEqual([
      [2, true, 'a'],
      [3, true, 'b'],
      [4, false, expect.stringContaining('unreadable CSV row: Quote Not Closed')],
    ]);
  });

  it('ignores a byte-order mark before the first JSON line', async () => {
    const file = write('bom.jsonl', `\uFEFF${jsonLine('a')}\n`);
    const results = [];
    for await (const line of readRecords(file, 'jsonl')) results.push(line.result.ok);
    expect(results).toEqual([true]);
  });

  it('works without a progress callback', async () => {
    const file = write('in.jsonl', `${jsonLine('a')}\n`);
    const ids: string[] = [];
    for await (const line of readRecords(file, 'jsonl')) if (line.result.ok) ids.push(line.result.record.id);
    expect(ids).toEqual(['a']);
  });

  it('does not touch the file until iterated, then fails for a missing file', async () => {
    const generator = readRecords(join(dir, 'missing.jsonl'), 'jsonl');
    await expect(generator.next()).rejects.toThrow(/ENOENT/);
  });
});

import type { Dialect } from '@hcrm/contracts';
import { DIALECT_SQL } from './dialects';

/**
 * One expression per part of {@link DIALECT_SQL} with the value every warehouse must give.
 * Each warehouse's tests run them all (`select <sql> as v`): DuckDB in libs/sql, Snowflake on
 * fakesnow and BigQuery on its emulator in libs/warehouse.
 */
export interface DialectProbe {
  name: string;
  sql: (dialect: Dialect) => string;
  expected: string | number | boolean;
}

export const DIALECT_PROBES: readonly DialectProbe[] = [
  {
    name: 'regexReplaceAll keeps a backslash escape in the pattern',
    sql: (dialect) => DIALECT_SQL[dialect].regexReplaceAll(DIALECT_SQL[dialect].literal('www3.wwwx.com'), '^www[0-9]*\\.', ''),
    expected: 'wwwx.com',
  },
  {
    name: 'regexReplaceAll replaces every match',
    sql: (dialect) => DIALECT_SQL[dialect].regexReplaceAll(DIALECT_SQL[dialect].literal('+1 (415) 555-0100'), '[^0-9]', ''),
    expected: '14155550100',
  },
  {
    name: 'regexContains',
    sql: (dialect) => DIALECT_SQL[dialect].regexContains(DIALECT_SQL[dialect].literal('noreply@acme.com'), '^noreply@'),
    expected: true,
  },
  { name: 'md5Hex', sql: (dialect) => DIALECT_SQL[dialect].md5Hex(DIALECT_SQL[dialect].literal('abc')), expected: '900150983cd24fb0d6963f7d28e17f72' },
  { name: 'literal with a quote and a backslash', sql: (dialect) => DIALECT_SQL[dialect].literal("it's a \\ here"), expected: "it's a \\ here" },
  {
    name: 'textToTimestamp shifts an offset to UTC; timestampText keeps microseconds',
    sql: (dialect) => DIALECT_SQL[dialect].timestampText(DIALECT_SQL[dialect].textToTimestamp(DIALECT_SQL[dialect].literal('2024-01-03T08:30:00.123456+02:00'))),
    expected: '2024-01-03 06:30:00.123456',
  },
  {
    name: 'textToTimestamp reads text without an offset as UTC',
    sql: (dialect) => DIALECT_SQL[dialect].isoText(DIALECT_SQL[dialect].textToTimestamp(DIALECT_SQL[dialect].literal('2024-01-03 08:30:00'))),
    expected: '2024-01-03T08:30:00.000Z',
  },
  {
    name: 'timestampLiteral, minusMinutes and isoText',
    sql: (dialect) => DIALECT_SQL[dialect].isoText(DIALECT_SQL[dialect].minusMinutes(DIALECT_SQL[dialect].timestampLiteral('2024-01-03T06:30:00.123Z'), 10)),
    expected: '2024-01-03T06:20:00.123Z',
  },
  {
    name: 'isoText of an aggregate over a subquery (a watermark)',
    sql: (dialect) => {
      const d = DIALECT_SQL[dialect];
      return d.isoText(`(select max(v) from (select ${d.timestampLiteral('2024-01-03T06:30:00.123Z')} as v union all select ${d.timestampLiteral('2024-01-02T00:00:00Z')}) as x)`);
    },
    expected: '2024-01-03T06:30:00.123Z',
  },
  {
    name: 'timestampText of an aggregate over a subquery',
    sql: (dialect) => {
      const d = DIALECT_SQL[dialect];
      return d.timestampText(`(select min(v) from (select ${d.textToTimestamp(d.literal('2024-01-03 06:30:00.123456'))} as v) as x)`);
    },
    expected: '2024-01-03 06:30:00.123456',
  },
  { name: 'text type', sql: (dialect) => `cast(length('abcd') as ${DIALECT_SQL[dialect].text})`, expected: '4' },
  { name: 'bigint type', sql: (dialect) => `cast('42' as ${DIALECT_SQL[dialect].bigint})`, expected: 42 },
];

import { afterEach, describe, expect, it } from 'vitest';
import { parseJsonLine, parseTimestamp, toRecord } from './record';
import type { ManualRecord, ParseResult } from './record';

const BASE = { id: 'rec-1', occurred_at: '2024-01-01T10:00:00Z' };

/** A line built from the minimal valid record plus `extra` (an `undefined` value removes a key). */
function line(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...BASE, ...extra });
}

function accepted(result: ParseResult): ManualRecord {
  if (!result.ok) throw new Error(`expected the record to be accepted, got: ${result.reason}`);
  return result.record;
}

function rejected(result: ParseResult): string {
  if (result.ok) throw new Error(`expected the record to be rejected, got: ${JSON.stringify(result.record)}`);
  return result.reason;
}

describe('parseJsonLine: a valid record', () => {
  it('accepts the minimal record and fills the defaults', () => {
    expect(accepted(parseJsonLine(line()))).toEqual({
      id: 'rec-1',
      occurredAt: '2024-01-01T10:00:00.000Z',
      eventName: 'record_imported',
      eventType: null,
      eventDescription: null,
      value: null,
      valueUnit: null,
      persons: [],
      groups: [],
      memberships: [],
    });
  });

  it('reads every top-level field, persons, groups and memberships', () => {
    const record = accepted(
      parseJsonLine(
        line({
          event_name: 'deal_won',
          event_type: 'deal',
          event_description: 'Annual plan',
          value: 1200.5,
          value_unit: 'USD',
          persons: [{ identifiers: { email: 'ann@x.com', phone: '+1 555' }, traits: { name: 'Ann' } }],
          groups: [{ identifiers: { domain: 'x.com' }, traits: { industry: 'Retail' } }],
          memberships: [{ person: { email: 'ann@x.com' }, group: { domain: 'x.com' }, role: 'owner' }],
        }),
      ),
    );
    expect(record).toEqual({
      id: 'rec-1',
      occurredAt: '2024-01-01T10:00:00.000Z',
      eventName: 'deal_won',
      eventType: 'deal',
      eventDescription: 'Annual plan',
      value: 1200.5,
      valueUnit: 'USD',
      persons: [{ identifiers: { email: ['ann@x.com'], phone: ['+1 555'] }, traits: { name: 'Ann' } }],
      groups: [{ identifiers: { domain: ['x.com'] }, traits: { industry: 'Retail' } }],
      memberships: [{ person: { type: 'email', value: 'ann@x.com' }, group: { type: 'domain', value: 'x.com' }, role: 'owner' }],
    });
  });

  it('tolerates whitespace around the JSON value', () => {
    expect(accepted(parseJsonLine(`  ${line()}\t`)).id).toBe('rec-1');
  });

  it('trims the id and accepts a numeric id as text', () => {
    expect(accepted(parseJsonLine(line({ id: '  rec-2  ' }))).id).toBe('rec-2');
    expect(accepted(parseJsonLine(line({ id: 42 }))).id).toBe('42');
  });

  it('treats null and empty optional fields as absent', () => {
    const record = accepted(
      parseJsonLine(
        line({ event_name: null, event_type: '', event_description: null, value: null, value_unit: '', persons: null, groups: null, memberships: null }),
      ),
    );
    expect(record).toMatchObject({
      eventName: 'record_imported',
      eventType: null,
      eventDescription: null,
      value: null,
      valueUnit: null,
      persons: [],
      groups: [],
      memberships: [],
    });
    expect(accepted(parseJsonLine(line({ value: '' }))).value).toBeNull();
  });

  it('turns numbers and booleans in text fields into text', () => {
    const record = accepted(parseJsonLine(line({ event_name: 7, event_type: true, value_unit: false })));
    expect(record.eventName).toBe('7');
    expect(record.eventType).toBe('true');
    expect(record.valueUnit).toBe('false');
  });

  it('reads a numeric string as the value, including zero and negatives', () => {
    expect(accepted(parseJsonLine(line({ value: '12.5' }))).value).toBe(12.5);
    expect(accepted(parseJsonLine(line({ value: 0 }))).value).toBe(0);
    expect(accepted(parseJsonLine(line({ value: -3 }))).value).toBe(-3);
  });
});

describe('parseJsonLine: reject reasons', () => {
  it('rejects text that is not JSON', () => {
    expect(rejected(parseJsonLine('{"id": "a",'))).toMatch(/^not valid JSON: /);
    expect(rejected(parseJsonLine('not json at all'))).toMatch(/^not valid JSON: /);
    expect(rejected(parseJsonLine(''))).toMatch(/^not valid JSON: /);
  });

  it.each(['[]', 'null', '"text"', '42', 'true', '[{"id":"a","occurred_at":"2024-01-01T10:00:00Z"}]'])(
    'rejects %s because a line must be an object',
    (text) => {
      expect(rejected(parseJsonLine(text))).toBe('the line must be a JSON object');
    },
  );

  it('rejects unknown top-level keys, naming them and the allowed keys', () => {
    const reason = rejected(parseJsonLine(line({ email: 'ann@x.com', occurredAt: 'x' })));
    expect(reason).toContain('unknown top-level key(s) "email", "occurredAt"');
    expect(reason).toContain('allowed: id, occurred_at, event_name, event_type, event_description, value, value_unit, persons, groups, memberships');
  });

  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', ''],
    ['whitespace', '   '],
  ])('rejects a record whose id is %s', (_label, id) => {
    expect(rejected(parseJsonLine(line({ id })))).toBe('missing id');
  });

  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', ''],
    ['whitespace', ' \t '],
  ])('rejects a record whose occurred_at is %s', (_label, occurredAt) => {
    expect(rejected(parseJsonLine(line({ occurred_at: occurredAt })))).toContain('missing occurred_at');
  });

  it('checks the id before occurred_at', () => {
    expect(rejected(parseJsonLine('{}'))).toBe('missing id');
  });

  it.each([true, { a: 1 }, ['a']])('rejects the id %j because it must be a string', (id) => {
    expect(rejected(parseJsonLine(line({ id })))).toBe('id must be a string');
  });

  it.each([false, { at: 'x' }, ['2024-01-01']])('rejects occurred_at %j because it must be a string', (occurredAt) => {
    expect(rejected(parseJsonLine(line({ occurred_at: occurredAt })))).toBe('occurred_at must be a string');
  });

  it('rejects an unparseable timestamp, quoting it', () => {
    const reason = rejected(parseJsonLine(line({ occurred_at: 'yesterday' })));
    expect(reason).toBe('occurred_at "yesterday" is not an ISO 8601 timestamp (e.g. 2024-01-01T10:00:00Z)');
  });

  it('rejects a numeric occurred_at as not a timestamp', () => {
    expect(rejected(parseJsonLine(line({ occurred_at: 1704103200000 })))).toContain('is not an ISO 8601 timestamp');
  });

  it.each(['event_name', 'event_type', 'event_description', 'value_unit'])('rejects an object or array as %s', (field) => {
    expect(rejected(parseJsonLine(line({ [field]: { text: 'x' } })))).toBe(`${field} must be a string`);
    expect(rejected(parseJsonLine(line({ [field]: ['x'] })))).toBe(`${field} must be a string`);
  });

  it.each([['abc'], [true], [{ amount: 1 }], [[1]], ['Infinity']])('rejects the value %j', (value) => {
    expect(rejected(parseJsonLine(line({ value })))).toBe('value must be a number or null');
  });

  it('rejects a non-finite number given to toRecord directly', () => {
    expect(rejected(toRecord({ ...BASE, value: Number.POSITIVE_INFINITY }))).toBe('value must be a number or null');
    expect(rejected(toRecord({ ...BASE, value: Number.NaN }))).toBe('value must be a number or null');
  });

  it.each(['persons', 'groups', 'memberships'])('rejects %s that is not an array', (key) => {
    expect(rejected(parseJsonLine(line({ [key]: {} })))).toBe(`${key} must be an array`);
    expect(rejected(parseJsonLine(line({ [key]: 'x' })))).toBe(`${key} must be an array`);
  });
});

describe('parseJsonLine: persons and groups', () => {
  it('rejects an entity that is not an object, naming its position', () => {
    expect(rejected(parseJsonLine(line({ persons: ['ann@x.com'] })))).toBe('persons[0] must be a JSON object');
    expect(rejected(parseJsonLine(line({ groups: [{}, null] })))).toBe('groups[1] must be a JSON object');
    expect(rejected(parseJsonLine(line({ persons: [[]] })))).toBe('persons[0] must be a JSON object');
  });

  it('rejects unknown keys on an entity', () => {
    const reason = rejected(parseJsonLine(line({ persons: [{ identifiers: {}, email: 'ann@x.com', name: 'Ann' }] })));
    expect(reason).toBe('persons[0] has unknown key(s) email, name; allowed: identifiers, traits');
  });

  it('rejects identifiers or traits that are not objects', () => {
    expect(rejected(parseJsonLine(line({ persons: [{ identifiers: ['ann@x.com'] }] })))).toBe('persons[0].identifiers must be a JSON object');
    expect(rejected(parseJsonLine(line({ groups: [{ traits: 'Acme' }] })))).toBe('groups[0].traits must be a JSON object');
    expect(rejected(parseJsonLine(line({ groups: [{ identifiers: null }] })))).toBe('groups[0].identifiers must be a JSON object');
  });

  it('accepts an entity with neither identifiers nor traits', () => {
    expect(accepted(parseJsonLine(line({ persons: [{}] }))).persons).toEqual([{ identifiers: {}, traits: {} }]);
  });

  it('turns a single identifier string into a one-value list, trimmed', () => {
    const record = accepted(parseJsonLine(line({ persons: [{ identifiers: { email: '  ann@x.com ' } }] })));
    expect(record.persons[0]?.identifiers).toEqual({ email: ['ann@x.com'] });
  });

  it('keeps an identifier given as an array of strings, in order', () => {
    const record = accepted(parseJsonLine(line({ persons: [{ identifiers: { email: ['ann@x.com', ' ann@home.org ', 'a@b.c'] } }] })));
    expect(record.persons[0]?.identifiers).toEqual({ email: ['ann@x.com', 'ann@home.org', 'a@b.c'] });
  });

  it('drops empty and whitespace-only identifier values, and identifiers left with none', () => {
    const record = accepted(
      parseJsonLine(
        line({
          persons: [{ identifiers: { email: ['', 'ann@x.com', '   '], phone: '', fax: '  \t', other: [], login: ['', ' '] } }],
        }),
      ),
    );
    expect(record.persons[0]?.identifiers).toEqual({ email: ['ann@x.com'] });
  });

  it.each([
    ['a number', 123],
    ['a boolean', true],
    ['null', null],
    ['an object', { value: 'ann@x.com' }],
    ['an array with a number', ['ann@x.com', 5]],
    ['an array with null', [null]],
    ['a nested array', [['ann@x.com']]],
  ])('rejects an identifier value that is %s', (_label, value) => {
    expect(rejected(parseJsonLine(line({ persons: [{ identifiers: { email: value } }] })))).toBe(
      'identifier persons[0].identifiers.email must be a string or an array of strings',
    );
  });

  it('names the group and its position in an identifier rejection', () => {
    const reason = rejected(parseJsonLine(line({ groups: [{ identifiers: { domain: 'x.com' } }, { identifiers: { domain: 1 } }] })));
    expect(reason).toBe('identifier groups[1].identifiers.domain must be a string or an array of strings');
  });

  it('turns numeric and boolean traits into text and keeps null and string traits', () => {
    const record = accepted(
      parseJsonLine(line({ persons: [{ traits: { age: 42, score: 0.5, vip: true, churned: false, title: null, name: ' Ann ', empty: '' } }] })),
    );
    expect(record.persons[0]?.traits).toEqual({ age: '42', score: '0.5', vip: 'true', churned: 'false', title: null, name: ' Ann ', empty: '' });
  });

  it.each([
    ['an object', { first: 'Ann' }],
    ['an array', ['Ann']],
    ['an empty array', []],
  ])('rejects a trait that is %s', (_label, value) => {
    expect(rejected(parseJsonLine(line({ groups: [{ traits: { name: value } }] })))).toBe(
      'trait groups[0].traits.name must be a string, number, boolean or null',
    );
  });

  it('keeps several persons and groups in order', () => {
    const record = accepted(
      parseJsonLine(
        line({
          persons: [{ identifiers: { email: 'a@x.com' } }, { identifiers: { email: 'b@x.com' } }],
          groups: [{ traits: { name: 'G1' } }, { traits: { name: 'G2' } }],
        }),
      ),
    );
    expect(record.persons.map((p) => p.identifiers.email)).toEqual([['a@x.com'], ['b@x.com']]);
    expect(record.groups.map((g) => g.traits.name)).toEqual(['G1', 'G2']);
  });
});

describe('parseJsonLine: memberships', () => {
  const membership = (extra: Record<string, unknown>) => line({ memberships: [{ person: { email: 'ann@x.com' }, group: { domain: 'x.com' }, ...extra }] });

  it('reads one identifier per side, trimmed, with an optional role', () => {
    const record = accepted(parseJsonLine(membership({ person: { email: ' ann@x.com ' }, role: 'admin' })));
    expect(record.memberships).toEqual([{ person: { type: 'email', value: 'ann@x.com' }, group: { type: 'domain', value: 'x.com' }, role: 'admin' }]);
  });

  it('has a null role when none is given or it is empty', () => {
    expect(accepted(parseJsonLine(membership({}))).memberships[0]?.role).toBeNull();
    expect(accepted(parseJsonLine(membership({ role: null }))).memberships[0]?.role).toBeNull();
    expect(accepted(parseJsonLine(membership({ role: '' }))).memberships[0]?.role).toBeNull();
  });

  it('does not require the membership identifiers to appear in persons or groups', () => {
    expect(accepted(parseJsonLine(membership({}))).persons).toEqual([]);
  });

  it('rejects a membership that is not an object', () => {
    expect(rejected(parseJsonLine(line({ memberships: ['ann@x.com'] })))).toBe('memberships[0] must be a JSON object');
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['a string', 'ann@x.com'],
    ['an array', [{ email: 'ann@x.com' }]],
  ])('rejects a person side that is %s', (_label, person) => {
    expect(rejected(parseJsonLine(membership({ person })))).toBe('memberships[0].person must be a JSON object');
  });

  it('rejects a missing group side', () => {
    expect(rejected(parseJsonLine(membership({ group: undefined })))).toBe('memberships[0].group must be a JSON object');
  });

  const exactlyOne = (side: string, index = 0) =>
    `memberships[${index}].${side} must name exactly one identifier with a string value, e.g. {"email": "ann@x.com"}`;

  it.each([
    ['no identifier', {}],
    ['two identifiers', { email: 'ann@x.com', phone: '555' }],
    ['an array value', { email: ['ann@x.com'] }],
    ['a numeric value', { id: 7 }],
    ['a null value', { email: null }],
    ['an empty value', { email: '' }],
    ['a whitespace value', { email: '   ' }],
  ])('rejects a person side with %s', (_label, person) => {
    expect(rejected(parseJsonLine(membership({ person })))).toBe(exactlyOne('person'));
  });

  it.each([
    ['no identifier', {}],
    ['two identifiers', { domain: 'x.com', name: 'X' }],
  ])('rejects a group side with %s', (_label, group) => {
    expect(rejected(parseJsonLine(membership({ group })))).toBe(exactlyOne('group'));
  });

  it('names the position of the failing membership', () => {
    const text = line({
      memberships: [
        { person: { email: 'a@x.com' }, group: { domain: 'x.com' } },
        { person: { email: 'b@x.com' }, group: {} },
      ],
    });
    expect(rejected(parseJsonLine(text))).toBe(exactlyOne('group', 1));
  });

  it('rejects a role that is an object', () => {
    expect(rejected(parseJsonLine(membership({ role: { name: 'admin' } })))).toBe('memberships[0].role must be a string');
  });
});

describe('toRecord', () => {
  it('validates an already parsed value like a line', () => {
    expect(accepted(toRecord({ ...BASE, persons: [{ identifiers: { email: ['a@x.com'] } }] })).persons).toEqual([
      { identifiers: { email: ['a@x.com'] }, traits: {} },
    ]);
    expect(rejected(toRecord({ id: 'a' }))).toBe('missing occurred_at');
    expect(rejected(toRecord(undefined))).toBe('the line must be a JSON object');
  });

  it('does not modify its input', () => {
    const input = { ...BASE, persons: [{ identifiers: { email: ' a@x.com ' } }] };
    const copy = structuredClone(input);
    toRecord(input);
    expect(input).toEqual(copy);
  });
});

describe('parseTimestamp', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it.each([
    ['2024-01-01T10:00:00Z', '2024-01-01T10:00:00.000Z'],
    ['2024-01-01T10:00:00.123Z', '2024-01-01T10:00:00.123Z'],
    ['2024-01-01T10:00:00.5Z', '2024-01-01T10:00:00.500Z'],
    ['2024-01-01T12:00:00+02:00', '2024-01-01T10:00:00.000Z'],
    ['2024-01-01T12:00:00+0200', '2024-01-01T10:00:00.000Z'],
    ['2024-01-01T05:00:00-05:00', '2024-01-01T10:00:00.000Z'],
    ['2024-01-01 05:00:00-0500', '2024-01-01T10:00:00.000Z'],
    ['2023-12-31T23:30:00-01:00', '2024-01-01T00:30:00.000Z'],
  ])('normalises %s with a zone to %s', (text, iso) => {
    expect(parseTimestamp(text)).toBe(iso);
  });

  it.each([
    ['2024-01-01T10:00:00', '2024-01-01T10:00:00.000Z'],
    ['2024-01-01T10:00', '2024-01-01T10:00:00.000Z'],
    ['2024-01-01 10:00:00', '2024-01-01T10:00:00.000Z'],
    ['2024-01-01 10:00', '2024-01-01T10:00:00.000Z'],
    ['2024-01-01T10:00:00.250', '2024-01-01T10:00:00.250Z'],
    ['2024-01-01', '2024-01-01T00:00:00.000Z'],
  ])('treats %s without a zone as UTC', (text, iso) => {
    expect(parseTimestamp(text)).toBe(iso);
  });

  it('treats a time without a zone as UTC whatever the local time zone is', () => {
    for (const tz of ['America/New_York', 'Asia/Kolkata', 'Pacific/Auckland']) {
      process.env.TZ = tz;
      expect(parseTimestamp('2024-01-01T10:00:00')).toBe('2024-01-01T10:00:00.000Z');
      expect(parseTimestamp('2024-07-01 10:00')).toBe('2024-07-01T10:00:00.000Z');
      expect(parseTimestamp('2024-01-01')).toBe('2024-01-01T00:00:00.000Z');
    }
  });

  it('trims surrounding whitespace', () => {
    expect(parseTimestamp('  2024-01-01T10:00:00Z \n')).toBe('2024-01-01T10:00:00.000Z');
  });

  it.each([
    'yesterday',
    '',
    '2024',
    '2024-01',
    '20240101',
    '2024-1-1T10:00:00Z',
    '01/02/2024 10:00',
    '2024-01-01T10',
    '2024-01-01T10:00:00+02',
    '2024-01-01T10:00:00 UTC',
    '2024-01-01t10:00:00z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T25:00:00Z',
    '2024-01-01T10:60:00Z',
    'Mon, 01 Jan 2024 10:00:00 GMT',
    '1704103200000',
  ])('rejects %j', (text) => {
    expect(() => parseTimestamp(text)).toThrow(`occurred_at "${text}" is not an ISO 8601 timestamp (e.g. 2024-01-01T10:00:00Z)`);
  });

  it('surfaces its rejection as the reason of a record', () => {
    expect(rejected(parseJsonLine(line({ occurred_at: '2024-01-01T10' })))).toBe(
      'occurred_at "2024-01-01T10" is not an ISO 8601 timestamp (e.g. 2024-01-01T10:00:00Z)',
    );
    expect(accepted(parseJsonLine(line({ occurred_at: '2024-01-01 10:00' }))).occurredAt).toBe('2024-01-01T10:00:00.000Z');
  });
});

describe('regressions', () => {
  const base = { id: 'e1', occurred_at: '2024-01-01T00:00:00Z' };

  it.each(['2024-02-30T10:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31', '2024-13-01'])('rejects the non-existent date %s', (date) => {
    const result = toRecord({ ...base, occurred_at: date });
    expect(result.ok).toBe(false);
  });

  it('accepts 29 February in a leap year', () => {
    expect(toRecord({ ...base, occurred_at: '2024-02-29T00:00:00Z' }).ok).toBe(true);
  });

  it('reads a blank value as null and rejects hexadecimal', () => {
    const blank = toRecord({ ...base, value: '  ' });
    expect(blank.ok && blank.record.value).toBeNull();
    expect(toRecord({ ...base, value: '0x10' })).toMatchObject({ ok: false, reason: 'value must be a number or null' });
    const text = toRecord({ ...base, value: ' 12.5 ' });
    expect(text.ok && text.record.value).toBe(12.5);
  });

  it('rejects a value too large for the event log', () => {
    expect(toRecord({ ...base, value: 1e30 })).toMatchObject({ ok: false, reason: expect.stringContaining('out of range') });
    expect(toRecord({ ...base, value: 123456789.123456 }).ok).toBe(true);
  });

  it('rejects a misspelled membership key instead of losing it', () => {
    const result = toRecord({ ...base, memberships: [{ person: { email: 'a@x' }, group: { domain: 'x' }, rol: 'admin' }] });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('memberships[0] has unknown key(s) rol') });
  });

  it('keeps an identifier named __proto__ as an ordinary identifier', () => {
    const result = parseJsonLine('{"id":"e1","occurred_at":"2024-01-01T00:00:00Z","persons":[{"identifiers":{"__proto__":"x"}}]}');
    expect(result.ok && Object.entries(result.record.persons[0]?.identifiers ?? {})).toEqual([['__proto__', ['x']]]);
  });

  it('falls back to record_imported for a blank event name and trims text fields', () => {
    const result = toRecord({ ...base, event_name: '  ', event_type: ' call ' });
    expect(result.ok && [result.record.eventName, result.record.eventType]).toEqual(['record_imported', 'call']);
  });
});

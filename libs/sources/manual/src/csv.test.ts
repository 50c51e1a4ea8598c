import { describe, expect, it } from 'vitest';
import { checkCsvHeader, csvRowToObject, CsvHeaderError } from './csv';
import { toRecord } from './record';

function headerError(header: readonly string[]): CsvHeaderError {
  try {
    checkCsvHeader(header);
  } catch (error) {
    if (error instanceof CsvHeaderError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(header)} to be rejected`);
}

describe('checkCsvHeader', () => {
  it('accepts every column of the convention', () => {
    expect(() =>
      checkCsvHeader([
        'id',
        'occurred_at',
        'event_name',
        'event_type',
        'event_description',
        'value',
        'value_unit',
        'person.email',
        'person.phone',
        'person_trait.name',
        'group.domain',
        'group_trait.industry',
        'membership_role',
      ]),
    ).not.toThrow();
  });

  it('accepts the two required columns alone, in any order', () => {
    expect(() => checkCsvHeader(['occurred_at', 'id'])).not.toThrow();
  });

  it('accepts a repeated identifier column and dotted names after the prefix', () => {
    expect(() => checkCsvHeader(['id', 'occurred_at', 'person.email', 'person.email', 'group_trait.address.city'])).not.toThrow();
  });

  it('throws a CsvHeaderError naming an unknown column', () => {
    const error = headerError(['id', 'occurred_at', 'email']);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CsvHeaderError');
    expect(error.message).toContain('CSV column(s) "email" do not follow the convention');
    expect(error.message).toContain('person.<identifier>, person_trait.<name>, group.<identifier>, group_trait.<name>, membership_role');
  });

  it('names every column that breaks the convention', () => {
    expect(headerError(['id', 'occurred_at', 'Email', 'persons.email', 'role']).message).toContain(
      'CSV column(s) "Email", "persons.email", "role" do not follow the convention',
    );
  });

  it.each(['person.', 'person_trait.', 'group.', 'group_trait.'])('rejects the bare prefix %s without a name', (column) => {
    expect(headerError(['id', 'occurred_at', column]).message).toContain(`"${column}"`);
  });

  it.each(['ID', ' id', 'person', 'person_email', 'trait.name', 'group_traits.name', 'memberships', ''])(
    'rejects the column %j',
    (column) => {
      expect(() => checkCsvHeader(['id', 'occurred_at', column])).toThrow(CsvHeaderError);
    },
  );

  it('requires an id column', () => {
    expect(headerError(['occurred_at', 'person.email']).message).toBe('CSV header has no "id" column');
  });

  it('requires an occurred_at column', () => {
    expect(headerError(['id', 'event_name']).message).toBe('CSV header has no "occurred_at" column');
  });

  it('reports unknown columns before missing ones', () => {
    expect(headerError(['bogus']).message).toContain('"bogus" do not follow the convention');
  });

  it('rejects an empty header', () => {
    expect(headerError([]).message).toBe('CSV header has no "id" column');
  });
});

describe('csvRowToObject', () => {
  it('maps the top-level columns to the same fields', () => {
    const header = ['id', 'occurred_at', 'event_name', 'event_type', 'event_description', 'value', 'value_unit'];
    expect(csvRowToObject(header, ['r1', '2024-01-01T10:00:00Z', 'deal_won', 'deal', 'Annual plan', '1200', 'USD'])).toEqual({
      id: 'r1',
      occurred_at: '2024-01-01T10:00:00Z',
      event_name: 'deal_won',
      event_type: 'deal',
      event_description: 'Annual plan',
      value: '1200',
      value_unit: 'USD',
    });
  });

  it('trims cells and leaves empty cells out', () => {
    expect(csvRowToObject(['id', 'occurred_at', 'event_name', 'value'], ['  r1 ', '2024-01-01', '   ', ''])).toEqual({
      id: 'r1',
      occurred_at: '2024-01-01',
    });
  });

  it('treats missing trailing cells as empty', () => {
    expect(csvRowToObject(['id', 'occurred_at', 'person.email'], ['r1'])).toEqual({ id: 'r1' });
  });

  it('builds one person from person.* and person_trait.* columns', () => {
    const header = ['id', 'person.email', 'person.phone', 'person_trait.name', 'person_trait.title'];
    expect(csvRowToObject(header, ['r1', 'ann@x.com', '555', ' Ann ', 'CEO'])).toEqual({
      id: 'r1',
      persons: [{ identifiers: { email: ['ann@x.com'], phone: ['555'] }, traits: { name: 'Ann', title: 'CEO' } }],
    });
  });

  it('collects a repeated identifier column into a list, skipping empty cells', () => {
    const header = ['id', 'person.email', 'person.email', 'person.email'];
    expect(csvRowToObject(header, ['r1', 'a@x.com', '', 'b@x.com']).persons).toEqual([
      { identifiers: { email: ['a@x.com', 'b@x.com'] }, traits: {} },
    ]);
  });

  it('keeps the last value of a repeated trait column', () => {
    expect(csvRowToObject(['id', 'group_trait.name', 'group_trait.name'], ['r1', 'Old', 'New']).groups).toEqual([
      { identifiers: {}, traits: { name: 'New' } },
    ]);
  });

  it('builds one group from group.* and group_trait.* columns', () => {
    expect(csvRowToObject(['id', 'group.domain', 'group_trait.name'], ['r1', 'x.com', 'X Inc'])).toEqual({
      id: 'r1',
      groups: [{ identifiers: { domain: ['x.com'] }, traits: { name: 'X Inc' } }],
    });
  });

  it('keeps everything after the first dot as the name', () => {
    expect(csvRowToObject(['person_trait.address.city'], ['Oslo']).persons).toEqual([{ identifiers: {}, traits: { 'address.city': 'Oslo' } }]);
  });

  it('has no person or group when all their cells are empty', () => {
    const object = csvRowToObject(['id', 'person.email', 'person_trait.name', 'group.domain'], ['r1', '', ' ', '']);
    expect(object).toEqual({ id: 'r1' });
  });

  it('adds a person with only traits', () => {
    expect(csvRowToObject(['id', 'person.email', 'person_trait.name'], ['r1', '', 'Ann']).persons).toEqual([{ identifiers: {}, traits: { name: 'Ann' } }]);
  });

  it('links the person and group by their first non-empty identifier columns when there is a role', () => {
    const header = ['id', 'person.email', 'person.phone', 'group.domain', 'group.name', 'membership_role'];
    expect(csvRowToObject(header, ['r1', '', '555', 'x.com', 'X', ' owner ']).memberships).toEqual([
      { person: { phone: '555' }, group: { domain: 'x.com' }, role: 'owner' },
    ]);
  });

  it('links by the first value of a repeated identifier column', () => {
    const header = ['id', 'person.email', 'person.email', 'group.domain', 'membership_role'];
    expect(csvRowToObject(header, ['r1', 'a@x.com', 'b@x.com', 'x.com', 'member']).memberships).toEqual([
      { person: { email: 'a@x.com' }, group: { domain: 'x.com' }, role: 'member' },
    ]);
  });

  it('has no membership without a role', () => {
    const header = ['id', 'person.email', 'group.domain', 'membership_role'];
    expect(csvRowToObject(header, ['r1', 'a@x.com', 'x.com', '']).memberships).toBeUndefined();
  });

  it('has no membership when either side has no identifier', () => {
    const header = ['id', 'person.email', 'person_trait.name', 'group.domain', 'membership_role'];
    expect(csvRowToObject(header, ['r1', '', 'Ann', 'x.com', 'owner']).memberships).toBeUndefined();
    expect(csvRowToObject(header, ['r1', 'a@x.com', 'Ann', '', 'owner']).memberships).toBeUndefined();
  });

  it('produces objects that validate as records', () => {
    const header = ['id', 'occurred_at', 'value', 'person.email', 'person.email', 'person_trait.name', 'group.domain', 'membership_role'];
    const result = toRecord(csvRowToObject(header, ['r1', '2024-01-01 10:00', '3.5', 'a@x.com', 'b@x.com', 'Ann', 'x.com', 'owner']));
    expect(result).toEqual({
      ok: true,
      record: {
        id: 'r1',
        occurredAt: '2024-01-01T10:00:00.000Z',
        eventName: 'record_imported',
        eventType: null,
        eventDescription: null,
        value: 3.5,
        valueUnit: null,
        persons: [{ identifiers: { email: ['a@x.com', 'b@x.com'] }, traits: { name: 'Ann' } }],
        groups: [{ identifiers: { domain: ['x.com'] }, traits: {} }],
        memberships: [{ person: { type: 'email', value: 'a@x.com' }, group: { type: 'domain', value: 'x.com' }, role: 'owner' }],
      },
    });
  });

  it('leaves validation of cell contents to toRecord', () => {
    const object = csvRowToObject(['id', 'occurred_at', 'value'], ['r1', '2024-01-01T10:00:00Z', 'lots']);
    expect(object.value).toBe('lots');
    expect(toRecord(object)).toEqual({ ok: false, reason: 'value must be a number or null' });
    expect(toRecord(csvRowToObject(['id', 'occurred_at'], ['', '2024-01-01']))).toEqual({ ok: false, reason: 'missing id' });
  });
});

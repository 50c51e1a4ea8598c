import { duckDbPath } from '@hcrm/config';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryWarehouse, runHcrm, startPipelineStack, type PipelineStack } from './helpers';

const line = (record: Record<string, unknown>) => JSON.stringify(record);

const FIRST_IMPORT = [
  line({
    id: 'evt-1',
    occurred_at: '2024-01-01T10:00:00Z',
    event_name: 'form_submitted',
    event_type: 'form',
    event_description: 'Contact form',
    value: null,
    value_unit: null,
    persons: [{ identifiers: { email: 'Ann@X.com', phone: '+1 (555) 010-2000' }, traits: { name: 'Ann Lee', title: 'CEO' } }],
    groups: [{ identifiers: { domain: 'x.com' }, traits: { name: 'X Inc' } }],
    memberships: [{ person: { email: 'ann@x.com' }, group: { domain: 'x.com' }, role: 'owner' }],
  }),
  'this is not json',
  line({ id: 'evt-2', event_name: 'no_time' }),
  line({ id: 'evt-3', occurred_at: 'last tuesday' }),
  line({ id: 'evt-4', occurred_at: '2024-01-02T00:00:00Z', persons: [{ identifiers: { email: 42 } }] }),
  line({ id: 'evt-5', occurred_at: '2024-01-02T00:00:00Z', colour: 'red' }),
  '',
  line({ id: 'evt-6', occurred_at: '2024-01-03T08:30:00+02:00', event_name: 'call_logged', value: 15, value_unit: 'minutes', persons: [{ identifiers: { email: ['bo@y.org', 'bo@gmail.com'] } }] }),
].join('\n');

// evt-1 again with a new email: the later import replaces the earlier one downstream.
const SECOND_IMPORT = line({
  id: 'evt-1',
  occurred_at: '2024-01-01T10:00:00Z',
  event_name: 'form_submitted',
  persons: [{ identifiers: { email: 'ann.lee@x.com' } }],
});

// The CLI imports (real hcrm process), the pipeline runs through the real worker, dbt and DuckDB.
describe('hcrm ingest manual, then the pipeline', () => {
  let stack: PipelineStack;
  let dir: string;
  const hcrm = (...args: string[]) => runHcrm(args, { HCRM_STATE_DIR: stack.config.stateDir });
  const query = (sql: string) => queryWarehouse(stack.config, sql);

  beforeAll(async () => {
    stack = await startPipelineStack();
    dir = mkdtempSync(join(tmpdir(), 'hcrm-ingest-'));
  });
  afterAll(async () => {
    await stack?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with --strict, refuses a file with a bad line and writes nothing', async () => {
    const file = join(dir, 'contacts.jsonl');
    writeFileSync(file, FIRST_IMPORT);
    const result = await hcrm('ingest', 'manual', file, '--strict');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Import aborted (--strict), nothing was written');
    expect(result.stderr).toContain('line 2: not valid JSON');
    // Checked before writing: the warehouse was not even created.
    expect(existsSync(duckDbPath(stack.config.warehouse))).toBe(false);
  });

  it('imports the valid lines, rejects the others with file, line and reason', async () => {
    const file = join(dir, 'contacts.jsonl');
    const result = await hcrm('ingest', 'manual', file);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Imported 2 records');
    expect(result.stdout).toContain('Rejected 5 lines');

    expect(await query('select source_file, line_number, reason, raw_line from raw.manual_rejects order by line_number')).toEqual([
      { source_file: file, line_number: 2, reason: expect.stringContaining('not valid JSON'), raw_line: 'this is not json' },
      { source_file: file, line_number: 3, reason: 'missing occurred_at', raw_line: expect.stringContaining('evt-2') },
      { source_file: file, line_number: 4, reason: expect.stringContaining('occurred_at "last tuesday" is not an ISO 8601 timestamp'), raw_line: expect.stringContaining('evt-3') },
      { source_file: file, line_number: 5, reason: 'identifier persons[0].identifiers.email must be a string or an array of strings', raw_line: expect.stringContaining('evt-4') },
      { source_file: file, line_number: 6, reason: expect.stringContaining('unknown top-level key(s) "colour"'), raw_line: expect.stringContaining('evt-5') },
    ]);
  });

  it('builds exactly these rows into the core event log', async () => {
    const result = await stack.run('ingest-1', { landDemoData: false });
    expect(result.layers.every((layer) => layer.problems.length === 0)).toBe(true);

    expect(
      await query(`select event_name, event_type, event_description, value, value_unit, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S') as occurred_at, source
                   from core.events order by occurred_at`),
    ).toEqual([
      { event_name: 'form_submitted', event_type: 'form', event_description: 'Contact form', value: null, value_unit: null, occurred_at: '2024-01-01T10:00:00', source: 'manual' },
      { event_name: 'call_logged', event_type: 'manual', event_description: null, value: 15, value_unit: 'minutes', occurred_at: '2024-01-03T06:30:00', source: 'manual' },
    ]);
    expect(await identifiers()).toEqual([
      'call_logged person email bo@gmail.com',
      'call_logged person email bo@y.org',
      'form_submitted group domain x.com',
      'form_submitted person email Ann@X.com',
      'form_submitted person phone +1 (555) 010-2000',
    ]);
    expect(
      await query(`select t.trait_name, t.trait_value from core.person_traits t order by 1`),
    ).toEqual([
      { trait_name: 'name', trait_value: 'Ann Lee' },
      { trait_name: 'title', trait_value: 'CEO' },
    ]);
    expect(await query('select trait_name, trait_value from core.group_traits')).toEqual([{ trait_name: 'name', trait_value: 'X Inc' }]);
    expect(
      await query(`select person_identifier_type, person_identifier, group_identifier_type, group_identifier, role
                   from core.membership_identifiers`),
    ).toEqual([
      { person_identifier_type: 'email', person_identifier: 'ann@x.com', group_identifier_type: 'domain', group_identifier: 'x.com', role: 'owner' },
    ]);
    // The two identifiers of one person share a row_id; different persons do not.
    expect(await query('select count(distinct row_id) as n from core.person_identifiers')).toEqual([{ n: 2 }]);
  });

  it('lets a later import of the same event id win, without duplicates', async () => {
    const file = join(dir, 'correction.jsonl');
    writeFileSync(file, `${SECOND_IMPORT}\n`);
    expect((await hcrm('ingest', 'manual', file)).code).toBe(0);
    await stack.run('ingest-2', { landDemoData: false });

    expect(await query('select count(*) as n from core.events')).toEqual([{ n: 2 }]);
    expect(await identifiers()).toEqual([
      'call_logged person email bo@gmail.com',
      'call_logged person email bo@y.org',
      'form_submitted person email ann.lee@x.com',
    ]);
    expect(await query('select count(*) as n from core.person_traits')).toEqual([{ n: 0 }]);
    expect(await query('select count(*) as n from core.membership_identifiers')).toEqual([{ n: 0 }]);
  });

  it('imports the flat CSV convention', async () => {
    const file = join(dir, 'people.csv');
    writeFileSync(
      file,
      [
        'id,occurred_at,event_name,person.email,person_trait.name,group.domain,group_trait.name,membership_role',
        'csv-1,2024-02-01T09:00:00Z,signup,cy@z.io,"Cy, Jr.",z.io,Z Labs,admin',
        'csv-2,not a date,signup,dee@z.io,,,,',
      ].join('\n'),
    );
    const result = await hcrm('ingest', 'manual', file);
    expect(result.stdout).toContain('Imported 1 records');
    expect(result.stdout).toContain('line 3: occurred_at "not a date"');
    await stack.run('ingest-3', { landDemoData: false });
    expect(
      await query(`select e.event_name, t.trait_value from core.events e join core.person_traits t on t.event_id = e.id`),
    ).toEqual([{ event_name: 'signup', trait_value: 'Cy, Jr.' }]);
    expect(
      await query(`select role from core.membership_identifiers where person_identifier = 'cy@z.io' and group_identifier = 'z.io'`),
    ).toEqual([{ role: 'admin' }]);
  });

  async function identifiers(): Promise<string[]> {
    const rows = await query(`
      select concat_ws(' ', e.event_name, 'person', i.identifier_type, i.identifier_value) as line
      from core.person_identifiers i join core.events e on e.id = i.event_id
      union all
      select concat_ws(' ', e.event_name, 'group', i.identifier_type, i.identifier_value)
      from core.group_identifiers i join core.events e on e.id = i.event_id
      order by 1`);
    return rows.map((row) => String(row.line));
  }
});

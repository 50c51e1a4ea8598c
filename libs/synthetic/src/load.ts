import type { RawRow, RawTableDefinition, RegisteredSource } from '@hcrm/contracts';
import { ensureRawTable, insertRawRows, type Warehouse } from '@hcrm/warehouse';
import { generate, type GenerateOptions, type TruthRow } from './generate';

/** The ground truth: the true person or company behind every generated identifier. The pipeline never reads it. */
export const TRUTH_TABLE = 'truth.identifiers';

export interface GenerateProgress {
  personsDone: number;
  personsTotal: number;
  rows: number;
}

export interface GenerateSummary {
  persons: number;
  personOffset: number;
  rows: Record<string, number>;
  truthRows: number;
  seconds: number;
}

/**
 * Writes a generated data set into the raw tables of the registered sources, chunk by chunk,
 * and its ground truth into truth.identifiers. With `append`, numbering continues after the
 * data already generated (see appendExistingPersonRecords for new events of earlier persons).
 */
export async function generateInto(
  warehouse: Warehouse,
  sources: readonly RegisteredSource[],
  input: Omit<GenerateOptions, 'personOffset' | 'groupOffset' | 'existingPersons'> & { append: boolean },
  onProgress: (progress: GenerateProgress) => void = () => undefined,
): Promise<GenerateSummary> {
  const started = Date.now();
  const tables = new Map<string, RawTableDefinition>();
  for (const source of sources) for (const table of source.definition.rawTables) tables.set(table.name, table);
  for (const table of tables.values()) await ensureRawTable(warehouse, table);
  await warehouse.execute('create schema if not exists truth');
  await warehouse.execute(
    `create table if not exists ${TRUTH_TABLE} (entity_type varchar, identifier_type varchar, raw_value varchar, true_id varchar, linkable_id varchar, kind varchar)`,
  );

  let personOffset = 0;
  let groupOffset = 0;
  if (input.append) {
    const [row] = await warehouse.query<{ persons: number | null; groups: number | null }>(
      `select max(cast(substr(true_id, 8) as bigint)) + 1 as persons,
          (select max(cast(substr(true_id, 7) as bigint)) + 1 from ${TRUTH_TABLE} where entity_type = 'group' and kind = 'real') as groups
      from ${TRUTH_TABLE} where entity_type = 'person' and kind = 'real'`,
    );
    personOffset = Number(row?.persons ?? 0);
    groupOffset = Number(row?.groups ?? 0);
  } else {
    const [row] = await warehouse.query<{ n: number }>(`select count(*) as n from ${TRUTH_TABLE}`);
    if ((row?.n ?? 0) > 0) throw new Error(`the warehouse already holds generated data (${TRUTH_TABLE}): use --append to add to it, or a fresh state dir`);
  }

  const rows: Record<string, number> = {};
  let truthRows = 0;
  let personsDone = 0;
  const write = async (tableRows: Record<string, RawRow[]>, truth: readonly TruthRow[]) => {
    for (const [name, list] of Object.entries(tableRows)) {
      const table = tables.get(name);
      if (!table || list.length === 0) continue;
      await insertRawRows(warehouse, table, list, { skipExisting: false });
      rows[name] = (rows[name] ?? 0) + list.length;
    }
    if (truth.length) {
      const columns = ['entity_type', 'identifier_type', 'raw_value', 'true_id', 'linkable_id', 'kind'];
      await warehouse.bulkInsert(columns, truth.map((t) => columns.map((c) => t[c] ?? null)), (staging) => `insert into ${TRUTH_TABLE} select * from ${staging}`);
      truthRows += truth.length;
    }
  };

  for (const chunk of generate({ ...input, personOffset, groupOffset }, sources)) {
    await warehouse.transaction(() => write(chunk.tables, chunk.truth));
    personsDone += chunk.persons;
    onProgress({ personsDone, personsTotal: input.persons, rows: Object.values(rows).reduce((a, b) => a + b, 0) });
  }

  return { persons: personsDone, personOffset, rows, truthRows, seconds: (Date.now() - started) / 1000 };
}

/**
 * New records for `count` earlier persons, each naming two identifiers the truth says are
 * theirs, from every source whose synthetic part writes such records (the manual source's forms).
 */
export async function appendExistingPersonRecords(
  warehouse: Warehouse,
  sources: readonly RegisteredSource[],
  count: number,
  seed: number,
  syncedAt: string,
): Promise<number> {
  const pairs = await warehouse.query<{ true_id: string; a_type: string; a_value: string; b_type: string; b_value: string }>(
    `with ids as (
        select distinct true_id, identifier_type, raw_value from ${TRUTH_TABLE} where entity_type = 'person' and kind = 'real'
    ),
    ranked as (
        select *, row_number() over (partition by true_id order by hash(raw_value || ${seed})) as position from ids
    ),
    chosen as (
        select true_id from (select distinct true_id from ids) order by hash(true_id || ${seed}) limit ${count}
    )
    select a.true_id, a.identifier_type as a_type, a.raw_value as a_value, b.identifier_type as b_type, b.raw_value as b_value
    from chosen
    inner join ranked as a on a.true_id = chosen.true_id and a.position = 1
    inner join ranked as b on b.true_id = chosen.true_id and b.position = 2`,
  );
  const persons = pairs.map((pair) => ({ trueId: pair.true_id, identifiers: [[pair.a_type, pair.a_value], [pair.b_type, pair.b_value]] as const }));
  const tables = new Map(sources.flatMap((s) => s.definition.rawTables).map((t) => [t.name, t]));
  let records = 0;
  for (const source of sources) {
    const recordsFor = source.synthetic?.recordsFor;
    if (!recordsFor) continue;
    for (const [name, rows] of Object.entries(recordsFor(persons, seed, syncedAt))) {
      const definition = tables.get(name);
      if (definition && rows.length) await insertRawRows(warehouse, definition, rows, { skipExisting: false });
    }
    records += persons.length;
  }
  return records;
}

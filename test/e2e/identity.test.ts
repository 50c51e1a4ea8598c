import { duckDbPath } from '@hcrm/config';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbtSourceList, type PipelineResult } from '@hcrm/contracts';
import { runDbt } from '@hcrm/dbt';
import { registeredSources } from '@hcrm/pipeline';
import { openDuckDbWarehouse } from '@hcrm/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryWarehouse, runHcrm, startPipelineStack, type PipelineStack } from './helpers';

// Identity resolution through the real pipeline: manual imports (the real `hcrm ingest`),
// the real worker on a real Temporal dev server, real dbt and a real DuckDB file. Every
// scenario owns its identifier values, so all of them share the same few runs (batches).

type Ids = Record<string, string | string[]>;
interface Rec {
  id: string;
  at: string;
  persons?: Array<{ identifiers: Ids; traits?: Record<string, string> }>;
  groups?: Array<{ identifiers: Ids; traits?: Record<string, string> }>;
  memberships?: Array<{ person: Record<string, string>; group: Record<string, string>; role?: string }>;
}

const CHAIN = 10_000;

const BATCHES: Rec[][] = [
  [
    // singleton
    { id: 's1', at: '2024-01-01T00:00:00Z', persons: [{ identifiers: { email: ' Solo@S1.com ' }, traits: { name: 'Solo' } }] },
    // accretion: a@s2 first alone
    { id: 's2-1', at: '2024-01-01T00:00:00Z', persons: [{ identifiers: { email: 'a@s2.com' }, traits: { name: 'Old name' } }] },
    // two entities that merge in batch 2 (the email one is older: it survives)
    { id: 's3-1', at: '2024-01-01T00:00:00Z', persons: [{ identifiers: { email: 'a@s3.com' } }] },
    { id: 's3-2', at: '2024-01-02T00:00:00Z', persons: [{ identifiers: { phone: '+1 555 301 0001' } }] },
    // three entities fused by two bridges of one batch
    { id: 's4-1', at: '2024-01-01T00:00:00Z', persons: [{ identifiers: { email: 'a@s4.com' } }] },
    { id: 's4-2', at: '2024-01-02T00:00:00Z', persons: [{ identifiers: { email: 'b@s4.com' } }] },
    { id: 's4-3', at: '2024-01-03T00:00:00Z', persons: [{ identifiers: { email: 'c@s4.com' } }] },
    // chained merges across batches
    { id: 's5-1', at: '2024-01-01T00:00:00Z', persons: [{ identifiers: { email: 'a@s5.com' } }] },
    { id: 's5-2', at: '2024-01-02T00:00:00Z', persons: [{ identifiers: { email: 'b@s5.com' } }] },
    { id: 's5-3', at: '2024-01-03T00:00:00Z', persons: [{ identifiers: { email: 'c@s5.com' } }] },
    // out-of-order arrival: two entities seen in March ...
    { id: 's7-1', at: '2024-03-01T00:00:00Z', persons: [{ identifiers: { email: 'a@s7.com' } }] },
    { id: 's7-2', at: '2024-03-02T00:00:00Z', persons: [{ identifiers: { email: 'b@s7.com' } }] },
    // groups: a domain and a shop id, each with a person riding in the same record
    {
      id: 's8-1',
      at: '2024-01-01T00:00:00Z',
      groups: [{ identifiers: { domain: 's8.com' }, traits: { name: 'S8 Inc' } }],
      persons: [{ identifiers: { email: 'p1@s8.com' } }],
      memberships: [{ person: { email: 'P1@s8.com' }, group: { domain: 'WWW.s8.com' }, role: 'owner' }],
    },
    {
      id: 's8-2',
      at: '2024-01-02T00:00:00Z',
      groups: [{ identifiers: { shopify_shop_id: '808' } }],
      persons: [{ identifiers: { email: 'p2@s8.com' } }],
      memberships: [{ person: { email: 'p2@s8.com' }, group: { shopify_shop_id: '808' }, role: 'staff' }],
    },
    // a membership record corrected in batch 3 to name another person and another group
    { id: 's12-p1', at: '2024-01-01T00:00:00Z', persons: [{ identifiers: { email: 'q1@s12.com' } }] },
    { id: 's12-p2', at: '2024-01-01T00:00:00Z', persons: [{ identifiers: { email: 'q2@s12.com' } }] },
    { id: 's12-g1', at: '2024-01-01T00:00:00Z', groups: [{ identifiers: { domain: 's12.com' } }] },
    { id: 's12-g2', at: '2024-01-01T00:00:00Z', groups: [{ identifiers: { domain: 's12b.com' } }] },
    { id: 's12-m', at: '2024-01-01T00:00:00Z', memberships: [{ person: { email: 'q1@s12.com' }, group: { domain: 's12.com' }, role: 'member' }] },
    // blocked values never link two people
    { id: 's10-1', at: '2024-01-01T00:00:00Z', persons: [{ identifiers: { email: 'test@test.com', user_id: 's10-a', phone: 'N/A' } }] },
    { id: 's10-2', at: '2024-01-02T00:00:00Z', persons: [{ identifiers: { email: 'TEST@test.com', user_id: 's10-b' } }] },
    // per-type limit (user_id: 1): the first user id of the shared email wins
    { id: 's11-1', at: '2024-01-01T00:00:00Z', persons: [{ identifiers: { email: 'shared@s11.com', user_id: 's11-a' } }] },
    // a 10,000-long chain: record i links identifiers i and i+1
    ...Array.from({ length: CHAIN - 1 }, (_, i) => ({
      id: `s9-${i}`,
      at: '2024-01-01T00:00:00Z',
      persons: [{ identifiers: { external_id: [`s9-${i}`, `s9-${i + 1}`] } }],
    })),
  ],
  [
    // accretion: a phone joins a@s2's entity, written differently; a newer name
    { id: 's2-2', at: '2024-02-01T00:00:00Z', persons: [{ identifiers: { email: 'A@S2.com', phone: '(555) 201-0001' }, traits: { name: 'New name' } }] },
    { id: 's3-3', at: '2024-02-01T00:00:00Z', persons: [{ identifiers: { email: 'a@s3.com', phone: '555.301.0001' } }] },
    { id: 's4-4', at: '2024-02-01T00:00:00Z', persons: [{ identifiers: { email: ['a@s4.com', 'b@s4.com'] } }] },
    { id: 's4-5', at: '2024-02-01T00:00:00Z', persons: [{ identifiers: { email: ['b@s4.com', 'c@s4.com'] } }] },
    { id: 's5-4', at: '2024-02-01T00:00:00Z', persons: [{ identifiers: { email: ['a@s5.com', 'b@s5.com'] } }] },
    // out-of-order: an event from January (older than both) arrives now and links them
    { id: 's7-3', at: '2024-01-01T00:00:00Z', persons: [{ identifiers: { email: ['a@s7.com', 'b@s7.com', 'z@s7.com'] } }] },
    // the domain (written with scheme, www and path) and the shop id turn out to be one group
    {
      id: 's8-3',
      at: '2024-02-01T00:00:00Z',
      groups: [{ identifiers: { domain: 'https://www.S8.com/about', shopify_shop_id: '808' } }],
      persons: [{ identifiers: { email: 'p3@s8.com' } }],
    },
    { id: 's11-2', at: '2024-02-01T00:00:00Z', persons: [{ identifiers: { email: 'shared@s11.com', user_id: 's11-b' } }] },
  ],
  [
    { id: 's5-5', at: '2024-03-01T00:00:00Z', persons: [{ identifiers: { email: ['b@s5.com', 'c@s5.com'] } }] },
    // only known identifiers: nothing new may happen to s2
    { id: 's6-1', at: '2024-03-01T00:00:00Z', persons: [{ identifiers: { email: 'a@s2.com', phone: '+15552010001' } }] },
    // the corrected membership record: it now names another person and another group
    { id: 's12-m', at: '2024-03-01T00:00:00Z', memberships: [{ person: { email: 'q2@s12.com' }, group: { domain: 's12b.com' }, role: 'member' }] },
  ],
];

describe('identity resolution through the pipeline', () => {
  let stack: PipelineStack;
  let dir: string;
  const results: PipelineResult[] = [];
  const query = <T extends Record<string, unknown>>(sql: string) => queryWarehouse(stack.config, sql) as Promise<T[]>;

  /** person_id of an identifier, from the public crm table. */
  const personOf = async (type: string, value: string): Promise<string | undefined> =>
    (await query<{ person_id: string }>(`select person_id from crm.person_identifiers where identifier_type = '${type}' and identifier_value = '${value}'`))[0]
      ?.person_id;
  const idsAfter: Array<Map<string, string>> = [];
  const snapshotIds = async () =>
    new Map(
      (await query<{ k: string; person_id: string }>(`select identifier_type || ':' || identifier_value as k, person_id from crm.person_identifiers`)).map(
        (r) => [r.k, r.person_id],
      ),
    );

  /** The crm tables the final layer builds incrementally (rows keyed by entity). */
  const INCREMENTAL_CRM = [
    'persons',
    'groups',
    'person_identifiers',
    'group_identifiers',
    'person_traits',
    'group_traits',
    'person_trait_history',
    'group_trait_history',
    'memberships',
  ];
  const rebuildDiffs: Array<{ batch: number; table: string; onlyIncremental: number; onlyRebuilt: number; rows: number }> = [];

  /**
   * Rebuilds the final layer from scratch (`dbt run --full-refresh`) on a copy of the
   * warehouse and counts, per crm table, the rows (all columns but updated_at) that only the
   * incrementally built table or only the rebuilt one has.
   */
  async function compareWithFullRebuild(batch: number): Promise<void> {
    const copy = join(dir, `rebuilt-${batch}.duckdb`);
    copyFileSync(duckDbPath(stack.config.warehouse), copy);
    const rebuilt = await runDbt({
      executable: stack.config.dbt.executable,
      projectDir: stack.config.dbt.projectDir,
      profilesDir: stack.config.dbt.profilesDir,
      targetPath: join(dir, 'rebuild-target'),
      logPath: join(dir, 'rebuild-logs'),
      args: ['run', '--select', 'tag:final', '--full-refresh'],
      env: { HCRM_DUCKDB_PATH: copy, HCRM_SOURCES: dbtSourceList(registeredSources.map((source) => source.definition)) },
    });
    expect(rebuilt.exitCode, rebuilt.tail.join('\n')).toBe(0);
    const warehouse = await openDuckDbWarehouse({ path: copy });
    try {
      await warehouse.execute(`attach '${duckDbPath(stack.config.warehouse)}' as incremental (read_only)`);
      for (const table of INCREMENTAL_CRM) {
        const columns = (await warehouse.query<{ column_name: string }>(`select column_name from (describe crm.${table}) where column_name <> 'updated_at'`))
          .map((c) => `"${c.column_name}"`)
          .join(', ');
        const count = async (sql: string) => Number((await warehouse.query<{ n: number }>(`select count(*) as n from (${sql})`))[0]?.n ?? -1);
        rebuildDiffs.push({
          batch,
          table,
          onlyIncremental: await count(`select ${columns} from incremental.crm.${table} except all select ${columns} from crm.${table}`),
          onlyRebuilt: await count(`select ${columns} from crm.${table} except all select ${columns} from incremental.crm.${table}`),
          rows: await count(`select * from crm.${table}`),
        });
      }
    } finally {
      await warehouse.close();
      rmSync(copy, { force: true });
    }
  }

  async function importAndRun(index: number, records: readonly Rec[]): Promise<PipelineResult> {
    const file = join(dir, `batch-${index}.jsonl`);
    writeFileSync(
      file,
      records
        .map((r) => JSON.stringify({ id: r.id, occurred_at: r.at, persons: r.persons, groups: r.groups, memberships: r.memberships }))
        .join('\n'),
    );
    const imported = await runHcrm(['ingest', 'manual', file, '--strict'], { HCRM_STATE_DIR: stack.config.stateDir });
    expect(imported.code, imported.stderr).toBe(0);
    return stack.run(`identity-batch-${index}`, { landDemoData: false });
  }

  beforeAll(async () => {
    // No lookback: a batch re-reads none of the earlier ones, so the crm tables recompute only
    // what a batch changed (with the default 10 minutes every batch here would re-read them all).
    stack = await startPipelineStack({ lookbackMinutes: 0 });
    dir = mkdtempSync(join(tmpdir(), 'hcrm-identity-'));
    for (const [index, batch] of BATCHES.entries()) {
      results.push(await importAndRun(index + 1, batch));
      idsAfter.push(await snapshotIds());
      await compareWithFullRebuild(index + 1);
    }
    // Every batch is an import, a pipeline run and a full rebuild to compare with: several
    // minutes on a loaded 2-core machine (the suite's hook timeout leaves room for 3x that).
  });
  afterAll(async () => {
    await stack?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a singleton is one person with its normalised identifier and the value as the core layer holds it', async () => {
    const id = await personOf('email', 'solo@s1.com');
    expect(id).toMatch(/^per_[0-9a-f]{24}$/);
    expect(idsAfter.every((ids) => ids.get('email:solo@s1.com') === id)).toBe(true);
    const [obs] = await query<{ raw_value: string }>(`select raw_value from identity.person_observations where identifier_value = 'solo@s1.com'`);
    expect(obs?.raw_value).toBe('Solo@S1.com');
    const [person] = await query<{ primary_email: string; name: string }>(`select primary_email, name from crm.persons where person_id = '${id}'`);
    expect(person).toEqual({ primary_email: 'solo@s1.com', name: 'Solo' });
  });

  it('an identifier accreting to an entity keeps its id, without a merge; a batch of known identifiers changes nothing', async () => {
    const id = idsAfter[0]?.get('email:a@s2.com');
    expect(id).toBeDefined();
    expect(idsAfter[1]?.get('phone:+15552010001')).toBe(id);
    expect(idsAfter[2]?.get('email:a@s2.com')).toBe(id);
    expect(await query(`select * from crm.identity_merges where surviving_id = '${id}' or absorbed_id = '${id}'`)).toEqual([]);
    const [person] = await query<{ name: string; primary_phone: string }>(`select name, primary_phone from crm.persons where person_id = '${id}'`);
    expect(person).toEqual({ name: 'New name', primary_phone: '+15552010001' });
    const history = await query<{ trait_value: string }>(
      `select trait_value from crm.person_trait_history where person_id = '${id}' and trait_name = 'name' order by occurred_at`,
    );
    expect(history.map((h) => h.trait_value)).toEqual(['Old name', 'New name']);
  });

  it('two entities merge: the older survives and the merge is logged', async () => {
    const older = idsAfter[0]?.get('email:a@s3.com');
    const younger = idsAfter[0]?.get('phone:+15553010001');
    expect(older).not.toBe(younger);
    expect(idsAfter[1]?.get('phone:+15553010001')).toBe(older);
    const merges = await query(`select absorbed_id, surviving_id, entity_type from crm.identity_merges where surviving_id = '${older}'`);
    expect(merges).toEqual([{ absorbed_id: younger, surviving_id: older, entity_type: 'person' }]);
  });

  it('three entities fused by two bridges in one batch become one, with two merges in that run', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((x) => idsAfter[0]?.get(`email:${x}@s4.com`));
    expect(new Set([a, b, c]).size).toBe(3);
    for (const x of ['a', 'b', 'c']) expect(idsAfter[1]?.get(`email:${x}@s4.com`)).toBe(a);
    const merges = await query<{ absorbed_id: string; run_id: string }>(`select absorbed_id, run_id from crm.identity_merges where surviving_id = '${a}' order by absorbed_id`);
    expect(merges.map((m) => m.absorbed_id)).toEqual([b, c].sort());
    expect(new Set(merges.map((m) => m.run_id)).size).toBe(1);
  });

  it('chained merges across batches keep the first id and log one merge per batch', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((x) => idsAfter[0]?.get(`email:${x}@s5.com`));
    expect(idsAfter[1]?.get('email:b@s5.com')).toBe(a);
    expect(idsAfter[1]?.get('email:c@s5.com')).toBe(c);
    expect(idsAfter[2]?.get('email:c@s5.com')).toBe(a);
    const merges = await query<{ absorbed_id: string; run_id: string }>(`select absorbed_id, run_id from crm.identity_merges where surviving_id = '${a}' order by merged_at`);
    expect(merges.map((m) => m.absorbed_id)).toEqual([b, c]);
    expect(merges[0]?.run_id).not.toBe(merges[1]?.run_id);
  });

  it('an event that occurred earlier but arrived later links its entities and becomes the edges\' provenance', async () => {
    const a = idsAfter[0]?.get('email:a@s7.com');
    for (const x of ['a', 'b', 'z']) expect(idsAfter[1]?.get(`email:${x}@s7.com`)).toBe(a);
    const edges = await query<{ occurred_at: string }>(
      `select cast(occurred_at as varchar) as occurred_at from identity.person_edges where a_value like '%@s7.com' or b_value like '%@s7.com'`,
    );
    expect(edges.length).toBeGreaterThan(0);
    expect(edges.every((e) => e.occurred_at.startsWith('2024-01-01'))).toBe(true);
  });

  it('a group merge does not merge the persons riding in the same events; memberships follow the merge', async () => {
    const [group] = await query<{ group_id: string; n: number }>(
      `select group_id, count(*) as n from crm.group_identifiers where identifier_value in ('s8.com', '808') group by group_id`,
    );
    expect(group?.n).toBe(2);
    const persons = await query<{ person_id: string }>(
      `select distinct person_id from crm.person_identifiers where identifier_value in ('p1@s8.com', 'p2@s8.com', 'p3@s8.com')`,
    );
    expect(persons).toHaveLength(3);
    const memberships = await query<{ role: string; group_id: string }>(
      `select m.role, m.group_id from crm.memberships as m inner join crm.person_identifiers as p on p.person_id = m.person_id
       where p.identifier_value in ('p1@s8.com', 'p2@s8.com') order by m.role`,
    );
    expect(memberships).toEqual([
      { role: 'owner', group_id: group?.group_id },
      { role: 'staff', group_id: group?.group_id },
    ]);
    const [g] = await query<{ name: string; primary_domain: string }>(`select name, primary_domain from crm.groups where group_id = '${group?.group_id}'`);
    expect(g).toEqual({ name: 'S8 Inc', primary_domain: 's8.com' });
  });

  it('a corrected membership moves: the link its earlier version named goes', async () => {
    const links = await query<{ email: string; domain: string; role: string }>(
      `select p.identifier_value as email, g.identifier_value as domain, m.role from crm.memberships as m
       inner join crm.person_identifiers as p on p.person_id = m.person_id
       inner join crm.group_identifiers as g on g.group_id = m.group_id
       where p.identifier_value like '%@s12.com'`,
    );
    expect(links).toEqual([{ email: 'q2@s12.com', domain: 's12b.com', role: 'member' }]);
  });

  it('joins a 10,000-long chain into one entity', async () => {
    const [row] = await query<{ persons: number; identifiers: number }>(
      `select count(distinct person_id) as persons, count(*) as identifiers from crm.person_identifiers where identifier_type = 'external_id'`,
    );
    expect(row).toEqual({ persons: 1, identifiers: CHAIN });
  });

  it('blocked values link nothing and are quarantined with their reason', async () => {
    const a = await personOf('user_id', 's10-a');
    const b = await personOf('user_id', 's10-b');
    expect(a).toBeDefined();
    expect(a).not.toBe(b);
    expect(await personOf('email', 'test@test.com')).toBeUndefined();
    const blocked = await query<{ identifier_value: string }>(
      `select identifier_value from identity.identity_quarantine where reason = 'blocked_value' order by identifier_value`,
    );
    expect(blocked.map((q) => q.identifier_value)).toEqual(['N/A', 'TEST@test.com', 'test@test.com']);
    expect(results[0]?.identity?.person?.blocked).toBe(3);
  });

  it('a per-type limit refuses the edge that would give a person two user ids, records it and reports it', async () => {
    const a = await personOf('user_id', 's11-a');
    expect(await personOf('email', 'shared@s11.com')).toBe(a);
    const b = await personOf('user_id', 's11-b');
    expect(b).toBeDefined();
    expect(b).not.toBe(a);
    const [q] = await query<{ detail: string; occurred_at: string }>(
      `select detail, cast(occurred_at as varchar) as occurred_at from identity.identity_quarantine where reason = 'limit'`,
    );
    expect(q?.occurred_at).toMatch(/^2024-02-01/);
    expect(q?.detail).toBe(
      'linking email:shared@s11.com and user_id:s11-b would give one person 2 user_id values (limit 1): s11-a, s11-b',
    );
    expect(results[1]?.identity?.person?.quarantined).toBe(1);
  });

  it('hcrm explain shows the path of events that joined an identifier to the one asked about', async () => {
    const out = await runHcrm(['explain', 'email:C@s5.com'], { HCRM_STATE_DIR: stack.config.stateDir });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`person ${idsAfter[0]?.get('email:a@s5.com')}: 3 identifiers`);
    // The path from c to a: the March record linked c to b, the February one b to a.
    expect(out.stdout).toMatch(/ {2}email:a@s5\.com\n {4}email:c@s5\.com -- email:b@s5\.com {2}\(manual event \w+ at 2024-03-01[^\n]*\n {4}email:b@s5\.com -- email:a@s5\.com {2}\(manual event \w+ at 2024-02-01/);
    expect(out.stdout).toContain('Entities merged into this one:');
    const absorbed = await runHcrm(['explain', idsAfter[0]?.get('email:c@s5.com') ?? ''], { HCRM_STATE_DIR: stack.config.stateDir });
    expect(absorbed.stdout).toContain('was merged into');
    const missing = await runHcrm(['explain', 'email:nobody@nowhere.com'], { HCRM_STATE_DIR: stack.config.stateDir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('has the identifier email:nobody@nowhere.com');
  });

  it('after every batch, each incrementally built crm table holds exactly the rows of a rebuild from scratch', () => {
    expect(rebuildDiffs).toHaveLength(BATCHES.length * INCREMENTAL_CRM.length);
    for (const diff of rebuildDiffs) expect(diff, `${diff.table} after batch ${diff.batch}`).toMatchObject({ onlyIncremental: 0, onlyRebuilt: 0 });
    // The comparison is not vacuous: the last batch's tables hold the scenarios' rows.
    expect(rebuildDiffs.filter((d) => d.batch === BATCHES.length && d.rows > 0).map((d) => d.table)).toEqual(INCREMENTAL_CRM);
  });

  it('a run with no new data leaves every identity and crm table unchanged, and --full-refresh regroups the same', async () => {
    const tables = await query<{ schema: string; name: string; columns: string }>(
      `select table_schema as schema, table_name as name, string_agg('"' || column_name || '"', ', ' order by ordinal_position) filter (where column_name <> 'updated_at') as columns
       from information_schema.columns where table_schema in ('identity', 'crm') group by all order by all`,
    );
    // updated_at says when a row was last computed: a re-read record's entity is recomputed
    // (same values, new updated_at); every other column stays as it was.
    const snapshot = async () => {
      const out: Record<string, string> = {};
      for (const t of tables) out[`${t.schema}.${t.name}`] = JSON.stringify(await query(`select ${t.columns} from ${t.schema}.${t.name} order by all`));
      return out;
    };
    const before = await snapshot();
    const again = await stack.run('identity-no-new-data', { landDemoData: false });
    expect(again.identity?.person).toBeUndefined();
    expect(await snapshot()).toEqual(before);

    const partition = async () =>
      (await query<{ members: string }>(`select string_agg(identifier_type || ':' || identifier_value, ',' order by identifier_type, identifier_value) as members from crm.person_identifiers group by person_id order by members`)).map(
        (r) => r.members,
      );
    const grouped = await partition();
    const refreshed = await stack.run('identity-full-refresh', { landDemoData: false, fullRefresh: true });
    expect(refreshed.identity?.fullRefresh).toBe(true);
    expect(await partition()).toEqual(grouped);
  });
});

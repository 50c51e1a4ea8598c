import { Context } from '@temporalio/activity';
import { OPS_TABLES, type DbtNodeSummary, type Materialization } from '@hcrm/contracts';
import { readManifest, relationNames } from '@hcrm/dbt';
import { createOpsTablesSql, DIALECT_SQL, quoteIdent } from '@hcrm/sql';
import type { Warehouse } from '@hcrm/warehouse';

/** The workflow execution of the running activity (or a placeholder outside one, in tests). */
function currentRun(): { workflowId: string; runId: string } {
  try {
    const execution = Context.current().info.workflowExecution;
    if (execution) return { workflowId: execution.workflowId, runId: execution.runId };
  } catch {
    // not inside an activity
  }
  return { workflowId: 'outside-a-workflow', runId: 'none' };
}

/** Appends materializations (one per asset, or per check) of the current run to ops.materializations. */
export async function recordMaterializations(warehouse: Warehouse, rows: readonly Materialization[]): Promise<void> {
  if (!rows.length) return;
  for (const statement of createOpsTablesSql(warehouse.dialect)) await warehouse.execute(statement);
  const run = currentRun();
  const d = DIALECT_SQL[warehouse.dialect];
  await warehouse.bulkInsert(
    ['run_id', 'workflow_id', 'asset', 'layer', 'kind', 'status', 'rows_written', 'seconds', 'check_name'],
    rows.map((m) => [run.runId, run.workflowId, m.asset, m.layer, m.kind, m.status, m.rows ?? null, m.seconds ?? null, m.check ?? null]),
    (staging) => `insert into ${OPS_TABLES.materializations}
      select run_id, workflow_id, asset, layer, kind, status, cast(rows_written as ${d.bigint}), cast(seconds as ${d.double}),
          ${d.now}, check_name
      from ${staging}`,
  );
}

/** dbt's node results as materializations: models by their relation, tests as checks on what they test. */
export function dbtMaterializations(targetPath: string, layer: string, nodes: readonly DbtNodeSummary[]): Materialization[] {
  const manifest = readManifest(targetPath);
  if (!manifest) return [];
  const names = relationNames(manifest);
  const out: Materialization[] = [];
  for (const node of nodes) {
    if (node.resourceType === 'model') {
      out.push({ asset: names.get(node.uniqueId) ?? node.uniqueId, layer, kind: 'model', status: node.status, rows: node.rowsAffected, seconds: node.seconds });
    } else if (node.resourceType === 'test') {
      const test = manifest.nodes[node.uniqueId];
      const target = test?.attached_node ?? test?.depends_on?.nodes?.[0];
      out.push({
        asset: (target && names.get(target)) ?? node.uniqueId,
        layer,
        kind: 'check',
        status: node.status,
        rows: node.failures,
        seconds: node.seconds,
        check: test?.name ?? node.uniqueId,
      });
    }
  }
  return out;
}

/**
 * dbt-duckdb reports no affected rows: for models without a count, record the table's row
 * count after the build instead (docs/orchestration.md says which one a number is).
 */
export async function withTableRowCounts(warehouse: Warehouse, rows: readonly Materialization[]): Promise<Materialization[]> {
  const out: Materialization[] = [];
  for (const row of rows) {
    const [schema, table] = row.asset.split('.');
    if (row.kind !== 'model' || row.rows !== undefined || !schema || !table || !(await warehouse.tableExists(schema, table))) {
      out.push(row);
      continue;
    }
    const [count] = await warehouse.query<{ n: number }>(`select count(*) as n from ${quoteIdent(schema, warehouse.dialect)}.${quoteIdent(table, warehouse.dialect)}`);
    out.push({ ...row, rows: Number(count?.n ?? 0) });
  }
  return out;
}

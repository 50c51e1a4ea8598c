import type { HcrmConfig } from '@hcrm/config';
import { LAYERS, OPS_TABLES, schemaAndTable } from '@hcrm/contracts';
import { assetGraph, downstreamOf, readManifest, upstreamOf, type AssetNode } from '@hcrm/dbt';
import { nowSql } from '@hcrm/sql';
import { CliError } from '../errors';
import { formatTable } from '../format';
import type { CliIo } from '../io';
import { openReadOnlyWarehouse } from './query';

type LastMaterialization = {
  asset: string;
  status: string;
  rows_written: number | null;
  seconds: number | null;
  materialized_at: string;
  workflow_id: string;
};

type CheckResult = {
  asset: string;
  check_name: string;
  status: string;
  rows_written: number | null;
};

const LAYER_ORDER = ['ops', ...LAYERS];

/**
 * `hcrm assets [name]`: every table the pipeline writes (dbt models from the manifest, tables
 * the SQL activities write, landed source tables), by layer, with its last materialization,
 * how long ago that was, whether an upstream asset is newer (stale), and its checks.
 */
export async function assetsCommand(config: HcrmConfig, io: CliIo, name: string | undefined, options: { json: boolean }): Promise<number> {
  const manifest = readManifest(config.dbt.targetPath);
  if (!manifest) throw new CliError('No dbt manifest yet: run the pipeline once (`npx hcrm run`).');
  const graph = assetGraph(manifest);
  const { last, checks, now } = await readMaterializations(config);
  const ageOf = (asset: string) => {
    const at = last.get(asset)?.materialized_at;
    return at ? (now - Date.parse(`${at.replace(' ', 'T')}Z`)) / 1000 : undefined;
  };
  const staleBecause = (asset: AssetNode) => {
    const own = last.get(asset.name)?.materialized_at;
    if (!own) return undefined;
    return asset.upstream.find((parent) => (last.get(parent)?.materialized_at ?? '') > own);
  };
  const checkSummary = (asset: string) => {
    const results = checks.filter((c) => c.asset === asset);
    const failed = results.filter((c) => c.status !== 'pass' && c.status !== 'success');
    return results.length ? (failed.length ? `${failed.length} FAILED of ${results.length}` : `${results.length} pass`) : '';
  };

  if (name) {
    const asset = graph.find((a) => a.name === name || a.name.endsWith(`.${name}`));
    if (!asset) throw new CliError(`No asset "${name}". \`hcrm assets\` lists them (names are schema.table, e.g. crm.persons).`);
    const report = {
      ...asset,
      lastMaterialization: last.get(asset.name),
      ageSeconds: ageOf(asset.name),
      staleBecause: staleBecause(asset),
      checkResults: checks.filter((c) => c.asset === asset.name),
      allUpstream: upstreamOf(graph, asset.name),
      downstream: downstreamOf(graph, asset.name),
    };
    if (options.json) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const m = report.lastMaterialization;
    io.stdout(
      [
        `${asset.name}  (${asset.kind}, layer ${asset.layer}${asset.kind === 'activity' ? `, written by ${asset.id}` : ''})`,
        asset.description ? `  ${asset.description}` : undefined,
        m
          ? `  last materialized ${m.materialized_at} UTC (${formatAge(report.ageSeconds)} ago) by ${m.workflow_id}: ${m.status}${m.rows_written === null ? '' : `, ${m.rows_written} rows`}`
          : '  never materialized',
        report.staleBecause ? `  STALE: upstream ${report.staleBecause} was materialized after it` : undefined,
        `  upstream:   ${asset.upstream.join(', ') || '-'}${report.allUpstream.length > asset.upstream.length ? `  (all: ${report.allUpstream.length})` : ''}`,
        `  downstream: ${report.downstream.join(', ') || '-'}`,
        report.checkResults.length ? '  checks (dbt tests, last run):' : `  checks: ${asset.checks.length ? asset.checks.join(', ') : '-'}`,
        ...report.checkResults.map((c) => `    ${c.status.toUpperCase().padEnd(5)} ${c.check_name}${c.rows_written ? ` (${c.rows_written} failing rows)` : ''}`),
        '',
      ]
        .filter((line) => line !== undefined)
        .join('\n'),
    );
    return 0;
  }

  const rows = [...graph]
    .sort((a, b) => LAYER_ORDER.indexOf(a.layer) - LAYER_ORDER.indexOf(b.layer) || a.name.localeCompare(b.name))
    .map((asset) => {
      const m = last.get(asset.name);
      const stale = staleBecause(asset);
      return {
        layer: asset.layer,
        asset: asset.name,
        kind: asset.kind,
        last_status: m?.status ?? 'never',
        rows: m?.rows_written ?? '',
        age: m ? formatAge(ageOf(asset.name)) : '',
        stale: stale ? `yes (${stale})` : '',
        checks: checkSummary(asset.name),
      };
    });
  io.stdout(options.json ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows));
  return 0;
}

async function readMaterializations(config: HcrmConfig): Promise<{ last: Map<string, LastMaterialization>; checks: CheckResult[]; now: number }> {
  const warehouse = await openReadOnlyWarehouse(config);
  try {
    if (!(await warehouse.tableExists(...schemaAndTable(OPS_TABLES.materializations)))) return { last: new Map(), checks: [], now: Date.now() };
    const last = await warehouse.query<LastMaterialization>(
      `select asset, status, rows_written, seconds, cast(materialized_at as varchar) as materialized_at, workflow_id
      from (
          select *, row_number() over (partition by asset order by materialized_at desc) as recency
          from ${OPS_TABLES.materializations} where kind <> 'check'
      ) as ranked
      where recency = 1`,
    );
    const checks = await warehouse.query<CheckResult>(
      `select asset, check_name, status, rows_written
      from (
          select *, row_number() over (partition by asset, check_name order by materialized_at desc) as recency
          from ${OPS_TABLES.materializations} where kind = 'check'
      ) as ranked
      where recency = 1
      order by asset, check_name`,
    );
    const [clock] = await warehouse.query<{ now: string }>(`select cast(${nowSql(warehouse.dialect)} as varchar) as now`);
    const now = clock ? Date.parse(`${clock.now.replace(' ', 'T').slice(0, 23)}Z`) : Date.now();
    return { last: new Map(last.map((m) => [m.asset, m])), checks, now };
  } finally {
    await warehouse.close();
  }
}

function formatAge(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

import type { DbtNodeSummary } from '@hcrm/contracts';

/** The part of dbt's target/run_results.json we read (schema v6). */
interface RunResultsFile {
  results: Array<{
    unique_id: string;
    status: string;
    execution_time: number;
    message?: string | null;
    adapter_response?: { rows_affected?: number } | null;
    failures?: number | null;
  }>;
  args?: { which?: string; select?: string[] | string };
}

/** Turns run_results.json into per-node summaries; the resource type is the unique id's prefix. */
export function parseRunResults(json: string): DbtNodeSummary[] {
  const parsed = JSON.parse(json) as RunResultsFile;
  return parsed.results.map((result) => {
    const summary: DbtNodeSummary = {
      uniqueId: result.unique_id,
      resourceType: result.unique_id.split('.')[0] ?? 'unknown',
      status: result.status,
      seconds: Math.round(result.execution_time * 1000) / 1000,
    };
    const rows = result.adapter_response?.rows_affected;
    if (typeof rows === 'number' && rows >= 0) summary.rowsAffected = rows;
    if (result.message) summary.message = result.message;
    if (typeof result.failures === 'number') summary.failures = result.failures;
    return summary;
  });
}

const OK_STATUSES = new Set(['success', 'pass', 'skipped']);

/** Nodes a person should look at: errors, failed tests, warnings. */
export function problemNodes(nodes: readonly DbtNodeSummary[]): DbtNodeSummary[] {
  return nodes.filter((node) => !OK_STATUSES.has(node.status));
}

/** The command and selection of a run_results.json (what `dbt retry` would repeat). */
export function runResultsInvocation(json: string): { which?: string; select: string[] } {
  const parsed = JSON.parse(json) as RunResultsFile;
  const select = parsed.args?.select;
  return { which: parsed.args?.which, select: Array.isArray(select) ? select : select ? [select] : [] };
}

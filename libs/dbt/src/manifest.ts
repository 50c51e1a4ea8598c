import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIVITY_ASSETS, isLayer, type Layer } from '@hcrm/contracts';

/** An asset of the pipeline: a dbt model, a landed (source) table, or a table an activity writes. */
export interface AssetNode {
  /** `schema.table` */
  name: string;
  layer: Layer | 'ops';
  kind: 'model' | 'source' | 'activity';
  upstream: string[];
  /** dbt unique id (models, sources); the writing activity for activity assets. */
  id: string;
  description?: string;
  /** dbt tests on this asset (its asset checks), by test name. */
  checks: string[];
}

interface ManifestNode {
  resource_type: string;
  name: string;
  schema: string;
  alias?: string;
  identifier?: string;
  tags?: string[];
  description?: string;
  depends_on?: { nodes?: string[] };
  attached_node?: string | null;
  source_name?: string;
}

interface Manifest {
  nodes: Record<string, ManifestNode>;
  sources: Record<string, ManifestNode>;
}

export function manifestPath(targetPath: string): string {
  return join(targetPath, 'manifest.json');
}

/** dbt unique id -> `schema.table`, for the models and sources of a manifest. */
export function relationNames(manifest: Manifest): Map<string, string> {
  const names = new Map<string, string>();
  for (const [id, node] of Object.entries(manifest.nodes)) {
    if (node.resource_type === 'model' || node.resource_type === 'seed' || node.resource_type === 'snapshot') {
      names.set(id, `${node.schema}.${node.alias ?? node.name}`);
    }
  }
  for (const [id, source] of Object.entries(manifest.sources)) names.set(id, `${source.schema}.${source.identifier ?? source.name}`);
  return names;
}

export function readManifest(targetPath: string): Manifest | undefined {
  const file = manifestPath(targetPath);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Manifest) : undefined;
}

/**
 * Every asset with its layer, upstream assets and checks: dbt models and sources from the
 * manifest (the last dbt invocation writes it), plus the activities' declared tables. A dbt
 * source that an activity writes (the identity tables) is that activity's asset.
 */
export function assetGraph(manifest: Manifest): AssetNode[] {
  const names = relationNames(manifest);
  const assets = new Map<string, AssetNode>();
  for (const declared of ACTIVITY_ASSETS) {
    assets.set(declared.name, {
      name: declared.name,
      layer: declared.layer,
      kind: 'activity',
      upstream: [...declared.upstream],
      id: declared.writtenBy,
      description: declared.description,
      checks: [],
    });
  }
  for (const [id, source] of Object.entries(manifest.sources)) {
    const name = names.get(id) as string;
    if (assets.has(name)) continue;
    assets.set(name, { name, layer: 'raw', kind: 'source', upstream: [], id, description: source.description || 'landed by a loader', checks: [] });
  }
  for (const [id, node] of Object.entries(manifest.nodes)) {
    if (node.resource_type !== 'model') continue;
    const name = names.get(id) as string;
    const layer = (node.tags ?? []).find(isLayer) ?? 'core';
    const upstream = (node.depends_on?.nodes ?? []).map((parent) => names.get(parent)).filter((n): n is string => Boolean(n));
    assets.set(name, { name, layer, kind: 'model', upstream: [...new Set(upstream)], id, description: node.description || undefined, checks: [] });
  }
  for (const node of Object.values(manifest.nodes)) {
    if (node.resource_type !== 'test') continue;
    const target = node.attached_node ?? node.depends_on?.nodes?.[0];
    const asset = target ? assets.get(names.get(target) ?? '') : undefined;
    asset?.checks.push(node.name);
  }
  return [...assets.values()];
}

/** The assets downstream of `name` (transitively), nearest first. */
export function downstreamOf(graph: readonly AssetNode[], name: string): string[] {
  const children = new Map<string, string[]>();
  for (const asset of graph) for (const parent of asset.upstream) children.set(parent, [...(children.get(parent) ?? []), asset.name]);
  const seen = new Set<string>();
  const queue = [...(children.get(name) ?? [])];
  while (queue.length) {
    const next = queue.shift() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(children.get(next) ?? []));
  }
  return [...seen];
}

/** The assets upstream of `name` (transitively), nearest first. */
export function upstreamOf(graph: readonly AssetNode[], name: string): string[] {
  const byName = new Map(graph.map((asset) => [asset.name, asset]));
  const seen = new Set<string>();
  const queue = [...(byName.get(name)?.upstream ?? [])];
  while (queue.length) {
    const next = queue.shift() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(byName.get(next)?.upstream ?? []));
  }
  return [...seen];
}

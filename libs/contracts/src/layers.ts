/**
 * The five layers of the pipeline, in the order a run builds them. Each dbt model carries
 * its layer as a tag (see dbt_project/dbt_project.yml), so `dbt build --select tag:<layer>`
 * builds exactly one layer.
 */
export const LAYERS = ['raw', 'source', 'core', 'identity', 'final'] as const;

export type Layer = (typeof LAYERS)[number];

export function isLayer(value: string): value is Layer {
  return (LAYERS as readonly string[]).includes(value);
}

/** Options of `nx g @hcrm/nx-plugin:source` (schema.json). */
export interface SourceGeneratorSchema {
  /** The source's name, snake_case: the folder libs/sources/<name> and the prefix of its tables and models. */
  name: string;
  /** Standard interfaces its dbt models provide; a comma-separated list on the command line. Default: all six. */
  interfaces?: string | string[];
  /** The raw tables' watermark column (when a row reached the warehouse). Default: synced_at. */
  watermarkColumn?: string;
  /** One line saying what the source lands. */
  description?: string;
}

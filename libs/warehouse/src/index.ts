export * from './warehouse';
export * from './duckdb/duckdb-warehouse';
export * from './raw-landing';
export * from './open';
export type { SnowflakeWarehouseOptions } from './snowflake/snowflake-warehouse';
export type { BigQueryWarehouseOptions } from './bigquery/bigquery-warehouse';

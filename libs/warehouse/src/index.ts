export * from './warehouse';
export * from './duckdb/duckdb-warehouse';
export * from './raw-landing';
export * from './local-ports';
export * from './open';
export type { SnowflakeWarehouseOptions } from './snowflake/snowflake-warehouse';
export * from './snowflake/fakesnow';
export type { BigQueryWarehouseOptions } from './bigquery/bigquery-warehouse';
export * from './bigquery/emulator';

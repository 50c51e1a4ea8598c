export * from './warehouse';
export * from './duckdb/duckdb-warehouse';

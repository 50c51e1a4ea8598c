export * from './warehouse';
export * from './duckdb/duckdb-warehouse';
export * from './raw-landing';

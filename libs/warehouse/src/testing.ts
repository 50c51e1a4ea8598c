// Test harnesses: local stand-ins for the cloud warehouses and the helpers their tests share.
// Tests, benchmarks and infra import them from '@hcrm/warehouse/testing'; production code
// never does, so they stay out of the main entry point.
export * from './snowflake/fakesnow';
export * from './bigquery/emulator';
export * from './bigquery/emulator-testing';
export * from './local-ports';

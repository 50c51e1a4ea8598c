export * from './run-dbt';
export * from './run-results';
export * from './deps';
export * from './manifest';
export * from './session';

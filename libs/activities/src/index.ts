export * from './activities';
export * from './land-demo-data';
export * from './orchestration';
export * from './materializations';

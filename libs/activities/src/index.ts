export * from './activities';
export * from './land-demo-data';
export * from './identity';
export * from './identity-testing';
export * from './orchestration';
export * from './materializations';

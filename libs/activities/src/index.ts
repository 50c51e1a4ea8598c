export * from './activities';
export * from './land-demo-data';

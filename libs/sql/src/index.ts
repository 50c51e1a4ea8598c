export * from './identifiers';
export * from './raw-tables';

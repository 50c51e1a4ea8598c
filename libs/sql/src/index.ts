export * from './dialects';
export * from './identifiers';
export * from './raw-tables';
export * from './ops';

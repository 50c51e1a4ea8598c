export * from './generate';
export * from './load';
export * from './quality';

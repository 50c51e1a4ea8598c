export * from './errors';
export * from './layers';
export * from './pipeline';
export * from './source';
export * from './identity';
export * from './orchestration';
export * from './assets';
export * from './random';

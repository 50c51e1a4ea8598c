export * from './config';
export * from './repo-root';

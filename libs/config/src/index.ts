export * from './config';
export * from './project-config';
export * from './repo-root';
export * from './warehouse-config';
export * from './sources';

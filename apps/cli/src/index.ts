export { runCli } from './cli';
export { CliError } from './errors';
export type { CliIo } from './io';

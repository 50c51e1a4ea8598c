import { runCli } from './cli';
import { processIo } from './io';

export async function main(argv: readonly string[]): Promise<void> {
  const code = await runCli(argv, processIo());
  // Temporal's native runtime keeps handles open, so exit explicitly, once stdout is flushed
  // (a pipe such as `hcrm query --json | jq` would otherwise lose the tail of the output).
  process.stdout.write('', () => process.exit(code));
}

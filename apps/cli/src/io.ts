import type { Env } from '@hcrm/config';

/** Where a command writes and what it reads from its surroundings; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Env;
  /** Whether stderr is a terminal (live progress lines) or a file or pipe. */
  isTTY?: boolean;
  /** Resolves when the user asks to stop (Ctrl-C); `hcrm up` waits on it. */
  interrupted: () => Promise<void>;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    isTTY: process.stderr.isTTY,
    interrupted: () =>
      new Promise((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  };
}

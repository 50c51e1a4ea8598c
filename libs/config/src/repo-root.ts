import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout this code runs from: the nearest folder above this file that holds nx.json. */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'nx.json')) && existsSync(join(dir, 'dbt_project'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No Headless CRM checkout (a folder with nx.json and dbt_project/) above ${from}`);
    dir = parent;
  }
}

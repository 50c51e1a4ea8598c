import type { HcrmConfig } from '@hcrm/config';
import { appendExistingPersonRecords, generateInto, type GenerateOptions, type GenerateProgress } from '@hcrm/synthetic';
import { registeredSources } from '@hcrm/pipeline';
import { CliError } from '../errors';
import { formatSeconds } from '../format';
import type { CliIo } from '../io';
import { withWarehouseLock } from '../warehouse-lock';

export type GenerateCommandOptions = Omit<GenerateOptions, 'personOffset' | 'groupOffset' | 'syncedBefore'> & {
  append: boolean;
  existingPersons?: number;
  /** Default: now. */
  syncedBefore?: Date;
};

/**
 * `hcrm generate --persons N`: writes a synthetic data set into the raw tables of every
 * registered source with a synthetic part (RegisteredSource.synthetic), with its ground truth in
 * truth.identifiers; then `hcrm run --no-demo-data` builds it. Deterministic for a seed.
 */
export async function generateCommand(config: HcrmConfig, io: CliIo, options: GenerateCommandOptions): Promise<number> {
  // Holds the warehouse lock, as a run does: generated rows never land in the middle of one.
  return withWarehouseLock(config, io, 'hcrm generate', async (warehouse) => {
    const syncedBefore = options.syncedBefore ?? new Date();
    const summary = await generateInto(warehouse, registeredSources, { ...options, syncedBefore }, progressPrinter(io)).catch((error: unknown) => {
      throw new CliError(error instanceof Error ? error.message : String(error));
    });
    let appended = 0;
    if (options.append) {
      const count = options.existingPersons ?? Math.ceil(options.persons / 10);
      appended = await appendExistingPersonRecords(warehouse, registeredSources, Math.min(count, summary.personOffset), options.seed, syncedBefore.toISOString());
    }
    const rows = Object.entries(summary.rows)
      .map(([table, n]) => `${table} ${n.toLocaleString('en-US')}`)
      .join(', ');
    io.stdout(
      `Generated ${summary.persons.toLocaleString('en-US')} persons (seed ${options.seed}${options.append ? `, numbered from ${summary.personOffset}` : ''}) ` +
        `in ${formatSeconds(summary.seconds * 1000)}: ${rows}; ground truth: ${summary.truthRows.toLocaleString('en-US')} rows in truth.identifiers` +
        `${appended ? `; ${appended} new records for earlier persons` : ''}.\nBuild it with: npx hcrm run --no-demo-data\n`,
    );
    return 0;
  });
}

/** Progress on stderr: a live bar on a terminal, otherwise a line per 10 %. */
function progressPrinter(io: CliIo): (progress: GenerateProgress) => void {
  let lastDecile = -1;
  let lastPrinted = 0;
  return ({ personsDone, personsTotal, rows }) => {
    const percent = Math.floor((personsDone / personsTotal) * 100);
    const bar = '#'.repeat(Math.floor(percent / 5)).padEnd(20, '.');
    const text = `generating [${bar}] ${percent}% ${personsDone.toLocaleString('en-US')}/${personsTotal.toLocaleString('en-US')} persons, ${rows.toLocaleString('en-US')} rows`;
    if (io.isTTY) {
      if (Date.now() - lastPrinted < 200 && percent < 100) return;
      lastPrinted = Date.now();
      io.stderr(`\r${text}${percent === 100 ? '\n' : ''}`);
    } else if (Math.floor(percent / 10) > lastDecile && personsTotal >= 50_000) {
      lastDecile = Math.floor(percent / 10);
      io.stderr(`${text}\n`);
    }
  };
}


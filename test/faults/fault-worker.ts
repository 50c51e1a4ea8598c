// A real pipeline worker process (the product's worker, DuckDB and dbt) that disturbs its run
// at the fault points in HCRM_FAULT_POINTS (JSON, see points.ts), in order: it SIGKILLs itself,
// SIGKILLs its dbt process, or tells the test to kill the Temporal server. It prints one line
// per event on stdout, written synchronously so a line is out before the process dies:
//   FAULT <index>                  a point fired (for kill-worker: the last line of this process)
//   WORK <step> <statements> <nodes>  a step finished: how many statements and dbt nodes it did
// Started by faults.test.ts with the state dir's HCRM_STATE_DIR and TEMPORAL_ADDRESS.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '@hcrm/config';
import type { PipelineActivities } from '@hcrm/contracts';
import { createPipelineWorker } from '@hcrm/pipeline';
import { openWarehouse, type Warehouse } from '@hcrm/warehouse';
import { pointKey, stepKey, type FaultPoint } from './points';

const config = loadConfig();
const address = config.temporal.address;
if (!address) throw new Error('TEMPORAL_ADDRESS must be set');
const points = JSON.parse(process.env.HCRM_FAULT_POINTS ?? '[]') as FaultPoint[];
let armed = 0;

const say = (line: string) => writeSync(1, `${line}\n`);

/** The step an activity of this worker is running (it runs one at a time), and its work so far. */
let current: { step: string; statements: number; nodes: number } | undefined;

function nextPoint(): FaultPoint | undefined {
  const point = points[armed];
  return point && current && pointKey(point) === current.step ? point : undefined;
}

function fire(point: FaultPoint): void {
  armed++;
  say(`FAULT ${point.index}`);
  if (point.action === 'kill-worker') process.kill(process.pid, 'SIGKILL');
  if (point.action === 'kill-dbt') killDbt();
}

/** SIGKILLs the worker's dbt process (the session's Python, a child of this process). */
function killDbt(): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('dbt')) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // The process ended while we looked.
    }
  }
}

/** Fires the armed point if it is inside the current step at this moment. */
function check(kind: 'start' | 'end' | 'nodes' | 'statements'): void {
  const point = nextPoint();
  if (!point || !current) return;
  const at = point.at;
  if (at.kind === kind && (kind === 'start' || kind === 'end')) return fire(point);
  if (at.kind === 'nodes' && kind === 'nodes' && current.nodes >= at.count) return fire(point);
  if (at.kind === 'statements' && kind === 'statements' && current.statements >= at.count) return fire(point);
  // A moment inside the work that this attempt did not reach (a retry does less) fires at its end.
  if (kind === 'end' && (at.kind === 'nodes' || at.kind === 'statements')) fire(point);
}

/** Counts dbt's finished nodes of the running layer from dbt.log, as dbt appends them. */
function watchDbtLog(): () => void {
  const file = join(config.dbt.logPath, 'dbt.log');
  let offset = existsSync(file) ? statSync(file).size : 0;
  let partial = '';
  const timer = setInterval(() => {
    if (!existsSync(file) || !current) return;
    const size = statSync(file).size;
    if (size <= offset) return;
    const fd = openSync(file, 'r');
    const buffer = Buffer.alloc(size - offset);
    readSync(fd, buffer, 0, buffer.length, offset);
    closeSync(fd);
    offset = size;
    const lines = (partial + buffer.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (/ \d+ of \d+ (OK|PASS|WARN|ERROR|FAIL|SKIP)\b/.test(line)) {
        current.nodes++;
        check('nodes');
      }
    }
  }, 25);
  return () => clearInterval(timer);
}

/** The configured warehouse, counting the statements of the current step. */
async function countingWarehouse(): Promise<Warehouse> {
  const warehouse = await openWarehouse(config.warehouse);
  const counted = <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await run(...args);
      if (current) {
        current.statements++;
        check('statements');
      }
      return result;
    };
  return {
    dialect: warehouse.dialect,
    query: counted(warehouse.query.bind(warehouse)) as Warehouse['query'],
    execute: counted(warehouse.execute.bind(warehouse)),
    bulkInsert: counted(warehouse.bulkInsert.bind(warehouse)),
    transaction: warehouse.transaction.bind(warehouse),
    tableExists: warehouse.tableExists.bind(warehouse),
    close: warehouse.close.bind(warehouse),
  };
}

function withFaults(activities: PipelineActivities): PipelineActivities {
  const wrapped: Record<string, unknown> = {};
  for (const [name, activity] of Object.entries(activities) as [string, (input: unknown) => Promise<unknown>][]) {
    wrapped[name] = async (input: unknown) => {
      current = { step: stepKey(name, input), statements: 0, nodes: 0 };
      check('start');
      const stopWatching = name === 'dbtBuild' ? watchDbtLog() : () => undefined;
      try {
        const result = await activity(input);
        stopWatching();
        say(`WORK ${current.step} ${current.statements} ${current.nodes}`);
        check('end');
        return result;
      } finally {
        stopWatching();
        current = undefined;
      }
    };
  }
  return wrapped as unknown as PipelineActivities;
}

const connection = await NativeConnection.connect({ address });
const client = new Client({ connection: await Connection.connect({ address }), namespace: config.temporal.namespace });
const worker = await createPipelineWorker({ config, connection, client, wrapActivities: withFaults, openWarehouse: countingWarehouse });
process.once('SIGTERM', () => worker.shutdown());
say('READY');
await worker.run();
await connection.close();

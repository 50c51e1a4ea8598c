import { describe, expect, it } from 'vitest';
import { parseRunResults, problemNodes } from './run-results';

const sample = JSON.stringify({
  metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json' },
  results: [
    {
      unique_id: 'model.hcrm.persons',
      status: 'success',
      execution_time: 0.12345,
      message: 'OK',
      adapter_response: { rows_affected: 7 },
    },
    { unique_id: 'test.hcrm.unique_persons_person_id.abc', status: 'fail', execution_time: 0.01, message: 'Got 2 results' },
    { unique_id: 'test.hcrm.not_null_persons_email.def', status: 'pass', execution_time: 0.01, adapter_response: {} },
  ],
});

describe('parseRunResults', () => {
  it('keeps id, type, status, time, rows and message', () => {
    const [model, failed, passed] = parseRunResults(sample);
    expect(model).toEqual({
      uniqueId: 'model.hcrm.persons',
      resourceType: 'model',
      status: 'success',
      seconds: 0.123,
      rowsAffected: 7,
      message: 'OK',
    });
    expect(failed?.resourceType).toBe('test');
    expect(passed?.rowsAffected).toBeUndefined();
  });

  it('lists only the nodes that need attention', () => {
    expect(problemNodes(parseRunResults(sample)).map((n) => n.uniqueId)).toEqual([
      'test.hcrm.unique_persons_person_id.abc',
    ]);
  });
});

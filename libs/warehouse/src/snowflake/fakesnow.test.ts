import { describe, expect, it } from 'vitest';
import { fakesnowAvailable, startFakesnow } from './fakesnow';

describe('fakesnow launcher', () => {
  it('reports a Python without fakesnow, and a server that exits before it is ready with its stderr', async () => {
    expect(fakesnowAvailable('/nonexistent/bin/python')).toBe(false);
    // Node stands in for a Python that cannot run the shim: it refuses Python's -u flag.
    await expect(startFakesnow({ python: process.execPath })).rejects.toThrow(/exited \(code \d+\) before it was ready; its stderr:\n.*bad option: -u/);
  });
});

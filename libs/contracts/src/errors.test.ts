import { describe, expect, it } from 'vitest';
import { rootCauseMessage } from './errors';

describe('rootCauseMessage', () => {
  it('follows causes to the innermost error', () => {
    const inner = new Error('model failed');
    const outer = new Error('Activity task failed', { cause: new Error('wrapper', { cause: inner }) });
    expect(rootCauseMessage(outer)).toBe('model failed');
  });

  it('renders non-errors as text', () => {
    expect(rootCauseMessage('plain')).toBe('plain');
  });
});

import { describe, expect, it } from 'vitest';
import { isLayer, LAYERS } from './layers';

describe('layers', () => {
  it('builds raw first and final last', () => {
    expect(LAYERS[0]).toBe('raw');
    expect(LAYERS.at(-1)).toBe('final');
  });

  it('recognises layer names and nothing else', () => {
    expect(isLayer('identity')).toBe(true);
    expect(isLayer('staging')).toBe(false);
  });
});

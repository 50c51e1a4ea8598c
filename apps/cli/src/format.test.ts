import { describe, expect, it } from 'vitest';
import { formatTable } from './format';

describe('formatTable', () => {
  it('aligns columns, shows NULL and counts rows', () => {
    expect(formatTable([{ id: 1, email: 'a@example.com' }, { id: 22, email: null }])).toBe(
      ['id | email', '---+--------------', '1  | a@example.com', '22 | NULL', '(2 rows)', ''].join('\n'),
    );
  });

  it('shortens long cells', () => {
    const out = formatTable([{ text: 'x'.repeat(100) }]);
    expect(out).toContain(`${'x'.repeat(59)}…`);
  });
});

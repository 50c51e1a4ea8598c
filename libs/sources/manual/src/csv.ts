import { RECORD_FIELDS } from './record';

/**
 * The CSV convention for flat files: one record per row, at most one person and one group.
 *
 * | column | becomes |
 * | --- | --- |
 * | `id`, `occurred_at`, `event_name`, `event_type`, `event_description`, `value`, `value_unit` | the same top-level field |
 * | `person.<type>` (e.g. `person.email`, `person.phone`) | a person identifier; repeat the column for several values |
 * | `person_trait.<name>` (e.g. `person_trait.name`) | a person trait |
 * | `group.<type>`, `group_trait.<name>` | the same for the group |
 * | `membership_role` | a membership of the person in the group with this role, linked by the first non-empty `person.*` and `group.*` columns |
 *
 * Empty cells are absent values.
 */
const PREFIXES = ['person.', 'person_trait.', 'group.', 'group_trait.'];

/** A header that breaks the convention is a mistake in the file, not in one row: fail the import. */
export class CsvHeaderError extends Error {
  override name = 'CsvHeaderError';
}

export function checkCsvHeader(header: readonly string[]): void {
  const bad = header.filter(
    (column) =>
      !RECORD_FIELDS.includes(column) &&
      column !== 'membership_role' &&
      !PREFIXES.some((prefix) => column.startsWith(prefix) && column.length > prefix.length),
  );
  if (bad.length) {
    throw new CsvHeaderError(
      `CSV column(s) ${bad.map((c) => `"${c}"`).join(', ')} do not follow the convention: use ${RECORD_FIELDS.join(', ')}, ` +
        'person.<identifier>, person_trait.<name>, group.<identifier>, group_trait.<name>, membership_role (see docs/ingest.md)',
    );
  }
  for (const required of ['id', 'occurred_at']) {
    if (!header.includes(required)) throw new CsvHeaderError(`CSV header has no "${required}" column`);
  }
}

/** Turns one CSV row into the JSON Lines shape, to be validated like any other record. */
export function csvRowToObject(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const person = { identifiers: {} as Record<string, string[]>, traits: {} as Record<string, string> };
  const group = { identifiers: {} as Record<string, string[]>, traits: {} as Record<string, string> };
  let role: string | undefined;
  header.forEach((column, i) => {
    const cell = (cells[i] ?? '').trim();
    if (cell === '') return;
    if (RECORD_FIELDS.includes(column)) out[column] = cell;
    else if (column === 'membership_role') role = cell;
    else {
      const [prefix, name] = [column.slice(0, column.indexOf('.')), column.slice(column.indexOf('.') + 1)];
      const entity = prefix.startsWith('person') ? person : group;
      if (prefix.endsWith('_trait')) entity.traits[name] = cell;
      else (entity.identifiers[name] ??= []).push(cell);
    }
  });
  const has = (entity: typeof person) => Object.keys(entity.identifiers).length + Object.keys(entity.traits).length > 0;
  if (has(person)) out.persons = [person];
  if (has(group)) out.groups = [group];
  const first = (entity: typeof person) => Object.entries(entity.identifiers)[0];
  const [personId, groupId] = [first(person), first(group)];
  if (role !== undefined && personId && groupId) {
    out.memberships = [{ person: { [personId[0]]: personId[1][0] }, group: { [groupId[0]]: groupId[1][0] }, role }];
  }
  return out;
}

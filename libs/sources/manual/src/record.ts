/**
 * One imported record, validated: the shape of a JSON Lines line (see docs/ingest.md).
 * Identifier values are lists (a person may have two emails); traits are text.
 */
export interface ManualRecord {
  id: string;
  occurredAt: string;
  eventName: string;
  eventType: string | null;
  eventDescription: string | null;
  value: number | null;
  valueUnit: string | null;
  persons: ManualEntity[];
  groups: ManualEntity[];
  memberships: ManualMembership[];
}

export interface ManualEntity {
  identifiers: Record<string, string[]>;
  traits: Record<string, string | null>;
}

export interface ManualMembership {
  person: { type: string; value: string };
  group: { type: string; value: string };
  role: string | null;
}

export type ParseResult = { ok: true; record: ManualRecord } | { ok: false; reason: string };

/** The record's own fields; a CSV column of the same name maps to each. */
export const RECORD_FIELDS = ['id', 'occurred_at', 'event_name', 'event_type', 'event_description', 'value', 'value_unit'];
const TOP_LEVEL_KEYS = [...RECORD_FIELDS, 'persons', 'groups', 'memberships'];

class Reject extends Error {}

/** Validates one parsed JSON value as a record; the reason says what to fix. */
export function toRecord(input: unknown): ParseResult {
  try {
    return { ok: true, record: readRecord(input) };
  } catch (error) {
    if (error instanceof Reject) return { ok: false, reason: error.message };
    throw error;
  }
}

/** Parses and validates one JSON Lines line. */
export function parseJsonLine(line: string): ParseResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return { ok: false, reason: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  return toRecord(parsed);
}

function readRecord(input: unknown): ManualRecord {
  const object = asObject(input, 'the line');
  const unknown = Object.keys(object).filter((key) => !TOP_LEVEL_KEYS.includes(key));
  if (unknown.length) {
    throw new Reject(`unknown top-level key(s) ${unknown.map((k) => `"${k}"`).join(', ')}; allowed: ${TOP_LEVEL_KEYS.join(', ')}`);
  }
  const id = requiredText(object.id, 'id');
  const occurredAtText = requiredText(object.occurred_at, 'occurred_at');
  const occurredAt = parseTimestamp(occurredAtText);
  return {
    id,
    occurredAt,
    eventName: optionalText(object.event_name, 'event_name') ?? 'record_imported',
    eventType: optionalText(object.event_type, 'event_type'),
    eventDescription: optionalText(object.event_description, 'event_description'),
    value: optionalNumber(object.value, 'value'),
    valueUnit: optionalText(object.value_unit, 'value_unit'),
    persons: optionalList(object.persons, 'persons').map((entity, i) => readEntity(entity, `persons[${i}]`)),
    groups: optionalList(object.groups, 'groups').map((entity, i) => readEntity(entity, `groups[${i}]`)),
    memberships: optionalList(object.memberships, 'memberships').map((m, i) => readMembership(m, `memberships[${i}]`)),
  };
}

/** ISO 8601 with a date and time; a time without offset is taken as UTC. */
export function parseTimestamp(text: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  const trimmed = text.trim();
  const withZone = /Z$|[+-]\d{2}:?\d{2}$/.test(trimmed) || !trimmed.includes(':') ? trimmed : `${trimmed}Z`;
  const time = Date.parse(withZone.replace(' ', 'T'));
  if (!iso.test(trimmed) || Number.isNaN(time) || !calendarDateExists(trimmed)) {
    throw new Reject(`occurred_at "${text}" is not an ISO 8601 timestamp (e.g. 2024-01-01T10:00:00Z)`);
  }
  return new Date(time).toISOString();
}

/** Date.parse rolls 2024-02-30 over to March 1st; such dates are mistakes, not dates. */
function calendarDateExists(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  if (year === undefined || month === undefined || day === undefined) return false;
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function readEntity(input: unknown, where: string): ManualEntity {
  const object = asObject(input, where);
  const unknown = Object.keys(object).filter((key) => key !== 'identifiers' && key !== 'traits');
  if (unknown.length) throw new Reject(`${where} has unknown key(s) ${unknown.join(', ')}; allowed: identifiers, traits`);
  // Built with Object.fromEntries, so a key such as "__proto__" stays an ordinary entry.
  const identifierEntries: Array<[string, string[]]> = [];
  for (const [name, value] of Object.entries(object.identifiers === undefined ? {} : asObject(object.identifiers, `${where}.identifiers`))) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v !== 'string')) {
      throw new Reject(`identifier ${where}.identifiers.${name} must be a string or an array of strings`);
    }
    const kept = (values as string[]).map((v) => v.trim()).filter((v) => v !== '');
    if (kept.length) identifierEntries.push([name, kept]);
  }
  const traitEntries: Array<[string, string | null]> = [];
  for (const [name, value] of Object.entries(object.traits === undefined ? {} : asObject(object.traits, `${where}.traits`))) {
    if (value !== null && typeof value === 'object') throw new Reject(`trait ${where}.traits.${name} must be a string, number, boolean or null`);
    traitEntries.push([name, value === null ? null : String(value)]);
  }
  return { identifiers: Object.fromEntries(identifierEntries), traits: Object.fromEntries(traitEntries) };
}

function readMembership(input: unknown, where: string): ManualMembership {
  const object = asObject(input, where);
  const unknown = Object.keys(object).filter((key) => !['person', 'group', 'role'].includes(key));
  if (unknown.length) throw new Reject(`${where} has unknown key(s) ${unknown.join(', ')}; allowed: person, group, role`);
  const side = (key: 'person' | 'group') => {
    const entries = Object.entries(asObject(object[key], `${where}.${key}`));
    const [entry] = entries;
    if (entries.length !== 1 || !entry || typeof entry[1] !== 'string' || entry[1].trim() === '') {
      throw new Reject(`${where}.${key} must name exactly one identifier with a string value, e.g. {"email": "ann@x.com"}`);
    }
    return { type: entry[0], value: entry[1].trim() };
  };
  return { person: side('person'), group: side('group'), role: optionalText(object.role, `${where}.role`) };
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Reject(`${where} must be a JSON object`);
  return value as Record<string, unknown>;
}

function requiredText(value: unknown, name: string): string {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    throw new Reject(`missing ${name}`);
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw new Reject(`${name} must be a string`);
  return String(value).trim();
}

function optionalText(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new Reject(`${name} must be a string`);
  const text = String(value).trim();
  return text === '' ? null : text;
}

function optionalNumber(value: unknown, name: string): number | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return null;
  if (typeof value === 'string' && !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) {
    throw new Reject(`${name} must be a number or null`);
  }
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) throw new Reject(`${name} must be a number or null`);
  // The event log stores values as numeric(28,6): anything larger would fail every build.
  if (Math.abs(number) >= 1e22) throw new Reject(`${name} ${number} is out of range (at most 22 digits before the point)`);
  return number;
}

function optionalList(value: unknown, name: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Reject(`${name} must be an array`);
  return value;
}

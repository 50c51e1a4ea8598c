import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  DEFAULT_IDENTITY_CONFIG,
  ENTITY_TYPES,
  PHONE_REGIONS,
  type BlockedValues,
  type EntityIdentityConfig,
  type EntityType,
  type IdentityConfig,
} from '@hcrm/contracts';
import { parseDocument } from 'yaml';
import type { Env } from './config';
import { findRepoRoot } from './repo-root';
import { WAREHOUSE_KINDS, type WarehouseFileSettings, type WarehouseKind } from './warehouse-config';

/**
 * The project's own settings, read from `hcrm.yml` (see docs/identity.md). Unlike
 * {@link HcrmConfig}'s environment, this file is committed: it describes the data, not the machine.
 */
export interface ProjectConfig {
  /** Absolute path of the file read; undefined when there was none and all defaults apply. */
  file?: string;
  identity: IdentityConfig;
  pipeline: PipelineSettings;
  /** Which warehouse and its non-secret settings; the environment overrides each (docs/warehouses.md). */
  warehouse: WarehouseFileSettings;
}

/** How runs pick their windows (docs/orchestration.md). */
export interface PipelineSettings {
  /** Each run re-reads this many minutes before its lower bound: late commits and clock skew. */
  lookbackMinutes: number;
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = { lookbackMinutes: 10 };

/**
 * A project config file that cannot be used. The message names the file and the key path and
 * says what to fix; `problems` holds one line per problem found (all are reported at once).
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.problems = problems;
  }
}

/** The default project config file, relative to the repo root. */
export const PROJECT_CONFIG_FILE = 'hcrm.yml';

/**
 * Reads `HCRM_CONFIG` (relative to the working directory) or else `<repoRoot>/hcrm.yml`, and
 * merges it over {@link DEFAULT_IDENTITY_CONFIG}. A missing default file means all defaults; a
 * missing file named by `HCRM_CONFIG` is an error.
 *
 * @example
 * const { identity } = loadProjectConfig(process.env, repoRoot);
 * identity.person.limits.email; // 10 unless hcrm.yml says otherwise
 * @throws ConfigError when the file is unreadable, not YAML, or fails validation.
 */
export function loadProjectConfig(env: Env = process.env, repoRoot: string = findRepoRoot()): ProjectConfig {
  const named = env.HCRM_CONFIG?.trim() || undefined;
  const file = resolve(named ?? join(repoRoot, PROJECT_CONFIG_FILE));
  if (!existsSync(file)) {
    if (named === undefined) return { identity: parseIdentity(undefined, []), pipeline: { ...DEFAULT_PIPELINE_SETTINGS }, warehouse: {} };
    throw new ConfigError(
      `HCRM_CONFIG names ${named}, which does not exist (looked for ${file}); fix the path, or unset HCRM_CONFIG to use <repo>/${PROJECT_CONFIG_FILE}`,
    );
  }
  const label = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${label}: cannot read the file: ${(error as Error).message}`);
  }
  return { file, ...parseProject(text, label) };
}

/**
 * Validates the text of a project config file and merges it over the defaults. `label` is the
 * file name that starts every message.
 */
export function parseProjectConfig(text: string, label: string = PROJECT_CONFIG_FILE): IdentityConfig {
  return parseProject(text, label).identity;
}

/** Both sections of a project config file, validated and merged over their defaults. */
export function parseProject(text: string, label: string = PROJECT_CONFIG_FILE): Omit<ProjectConfig, 'file'> {
  const doc = parseDocument(text, { prettyErrors: true });
  const yamlProblems = [...doc.errors, ...doc.warnings].map((error) => {
    const at = error.linePos?.[0];
    // yaml's message ends with " at line L, column C:" and a snippet; keep the snippet after ours.
    const [reason = error.message, snippet = ''] = error.message.split(/ at line \d+, column \d+:\n/);
    const where = at ? ` at line ${at.line}, column ${at.col}` : '';
    const excerpt = snippet.replace(/^\n+/, '').trimEnd();
    return `${label}: invalid YAML${where}: ${reason}; fix the syntax there${excerpt ? `\n${excerpt}` : ''}`;
  });
  if (yamlProblems.length > 0) throw new ConfigError(yamlProblems.join('\n'), yamlProblems);

  const problems: string[] = [];
  const root: unknown = doc.toJS();
  let identityInput: unknown;
  let pipelineInput: unknown;
  let warehouseInput: unknown;
  if (root !== null && root !== undefined) {
    const top = mapping(root, '', problems, ['identity', 'pipeline', 'warehouse']);
    identityInput = top?.identity;
    pipelineInput = top?.pipeline;
    warehouseInput = top?.warehouse;
  }
  const identity = parseIdentity(identityInput, problems);
  const pipeline = parsePipeline(pipelineInput, problems);
  const warehouse = parseWarehouse(warehouseInput, problems);
  if (problems.length > 0) {
    const lines = problems.map((problem) => `${label}: ${problem}`);
    throw new ConfigError(lines.join('\n'), lines);
  }
  return { identity, pipeline, warehouse };
}

const WAREHOUSE_FILE_KEYS = {
  snowflake: ['account', 'user', 'database', 'warehouse', 'role'],
  bigquery: ['project', 'location'],
} as const;

/** The `warehouse:` section. Secrets are refused here: they belong in the worker's environment. */
function parseWarehouse(input: unknown, problems: string[]): WarehouseFileSettings {
  if (input === null || input === undefined) return {};
  const section = mapping(input, 'warehouse', problems, ['type', 'snowflake', 'bigquery']);
  if (!section) return {};
  const settings: WarehouseFileSettings = {};
  if (section.type !== undefined) {
    if (typeof section.type === 'string' && (WAREHOUSE_KINDS as readonly string[]).includes(section.type)) settings.type = section.type as WarehouseKind;
    else problems.push(`warehouse.type must be one of ${WAREHOUSE_KINDS.join(', ')} (got ${JSON.stringify(section.type)})`);
  }
  for (const kind of ['snowflake', 'bigquery'] as const) {
    const raw = section[kind];
    if (raw === undefined || raw === null) continue;
    const keys = WAREHOUSE_FILE_KEYS[kind];
    const values = mapping(raw, `warehouse.${kind}`, problems, [...keys]);
    if (!values) continue;
    const out: Record<string, string> = {};
    for (const key of keys) {
      const value = values[key];
      if (value === undefined || value === null) continue;
      if (typeof value === 'string') out[key] = value;
      else problems.push(`warehouse.${kind}.${key} must be text (got ${JSON.stringify(value)})`);
    }
    settings[kind] = out;
  }
  return settings;
}

function parsePipeline(input: unknown, problems: string[]): PipelineSettings {
  const settings = { ...DEFAULT_PIPELINE_SETTINGS };
  if (input === null || input === undefined) return settings;
  const section = mapping(input, 'pipeline', problems, ['lookback_minutes']);
  const lookback = section?.lookback_minutes;
  if (lookback !== undefined) {
    if (typeof lookback === 'number' && Number.isInteger(lookback) && lookback >= 0 && lookback <= 7 * 24 * 60) {
      settings.lookbackMinutes = lookback;
    } else {
      problems.push(`pipeline.lookback_minutes must be a whole number of minutes from 0 to 10080 (got ${JSON.stringify(lookback)})`);
    }
  }
  return settings;
}

// ---- the identity section ------------------------------------------------------------------

/** YAML key of each entity type's section. */
const ENTITY_KEYS: Record<EntityType, string> = { person: 'persons', group: 'groups' };
const IDENTIFIER_TYPE = /^[a-z0-9_]+$/;
const ANY_TYPE = '*';

function parseIdentity(input: unknown, problems: string[]): IdentityConfig {
  const path = 'identity';
  const known = ['phone_default_region', ...ENTITY_TYPES.map((type) => ENTITY_KEYS[type])];
  const section = input === null || input === undefined ? undefined : mapping(input, path, problems, known);
  let phoneDefaultRegion = DEFAULT_IDENTITY_CONFIG.phoneDefaultRegion;
  const region = section?.phone_default_region;
  if (region !== undefined && region !== null) {
    if (typeof region === 'string' && Object.hasOwn(PHONE_REGIONS, region.trim().toUpperCase())) {
      phoneDefaultRegion = region.trim().toUpperCase();
    } else {
      problems.push(`${path}.phone_default_region must be one of ${Object.keys(PHONE_REGIONS).sort().join(', ')} (got ${describe(region)}); add other regions to PHONE_REGIONS in libs/contracts/src/identity.ts`);
    }
  }
  const entity = (type: EntityType): EntityIdentityConfig =>
    parseEntity(section?.[ENTITY_KEYS[type]], `${path}.${ENTITY_KEYS[type]}`, DEFAULT_IDENTITY_CONFIG[type], problems);
  return { phoneDefaultRegion, person: entity('person'), group: entity('group') };
}

function parseEntity(input: unknown, path: string, defaults: EntityIdentityConfig, problems: string[]): EntityIdentityConfig {
  const known = ['use_default_blocked_values', 'blocked_values', 'limits'];
  const section = input === null || input === undefined ? undefined : mapping(input, path, problems, known);
  let useDefaults = true;
  const flag = section?.use_default_blocked_values;
  if (flag !== undefined) {
    if (typeof flag === 'boolean') useDefaults = flag;
    else problems.push(`${path}.use_default_blocked_values must be true or false (got ${describe(flag)})`);
  }

  // Copies throughout: the defaults are shared and must never be changed by a project's file.
  const blockedValues: Record<string, BlockedValues> = {};
  if (useDefaults) {
    for (const [type, values] of Object.entries(defaults.blockedValues)) blockedValues[type] = { exact: [...values.exact], regex: [...values.regex] };
  }
  const blocked = optionalMapping(section?.blocked_values, `${path}.blocked_values`, problems);
  for (const [type, list] of Object.entries(blocked ?? {})) {
    const typePath = `${path}.blocked_values.${type}`;
    if (type !== ANY_TYPE && !IDENTIFIER_TYPE.test(type)) {
      problems.push(`${typePath}: identifier types are lower-case letters, digits and _ ([a-z0-9_]+), or '*' for every type`);
      continue;
    }
    if (list === null || list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push(`${typePath} must be a list of values (got ${describe(list)}); write [value, '/regex/'] or one "- value" per line`);
      continue;
    }
    const target = (blockedValues[type] ??= { exact: [], regex: [] });
    list.forEach((value: unknown, index) => {
      const parsed = parseBlockedValue(value, `${typePath}[${index}]`, problems);
      if (parsed && parsed.kind === 'exact') target.exact.push(parsed.value);
      if (parsed && parsed.kind === 'regex') target.regex.push(parsed.value);
    });
  }
  for (const values of Object.values(blockedValues)) {
    values.exact = [...new Set(values.exact)];
    values.regex = [...new Set(values.regex)];
  }

  const limits: Record<string, number> = { ...defaults.limits };
  const limitsInput = optionalMapping(section?.limits, `${path}.limits`, problems);
  for (const [type, limit] of Object.entries(limitsInput ?? {})) {
    const typePath = `${path}.limits.${type}`;
    if (!IDENTIFIER_TYPE.test(type)) {
      problems.push(`${typePath}: identifier types are lower-case letters, digits and _ ([a-z0-9_]+); limits apply to one type each`);
    } else if (limit === null) {
      delete limits[type];
    } else if (isPositiveInteger(limit)) {
      limits[type] = limit;
    } else {
      problems.push(`${typePath} must be a positive integer (got ${describe(limit)}), or null to remove the default limit`);
    }
  }
  return { blockedValues, limits };
}

/**
 * A blocked value as written in the file: `/.../` is a regex, anything else an exact value.
 * Exact values are stored trimmed and lower-cased, so blocking is case-insensitive: they are
 * compared with normalised identifier values (lower-case for emails and domains), and for
 * other types the comparison must lower-case the identifier too. Regexes are kept as written
 * and run against the normalised value, so write them in lower case.
 */
function parseBlockedValue(value: unknown, path: string, problems: string[]): { kind: 'exact' | 'regex'; value: string } | undefined {
  if (typeof value !== 'string') {
    const hint = typeof value === 'number' || typeof value === 'boolean' ? `; quote it ('${String(value)}') so YAML keeps it as written` : '';
    problems.push(`${path} must be a string (got ${describe(value)})${hint}`);
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\/.+\/[dgimsuvy]+$/.test(trimmed)) {
    problems.push(`${path}: regex flags are not supported (got ${describe(value)}); write /pattern/ without flags (matching runs on the normalised, mostly lower-case value)`);
    return undefined;
  }
  if (trimmed.length >= 2 && trimmed.startsWith('/') && trimmed.endsWith('/')) {
    const pattern = trimmed.slice(1, -1);
    const problem = regexProblem(pattern);
    if (problem) problems.push(`${path}: ${problem}`);
    return problem ? undefined : { kind: 'regex', value: pattern };
  }
  return { kind: 'exact', value: trimmed.toLowerCase() };
}

// ---- regexes -------------------------------------------------------------------------------

/**
 * Why a blocked-value regex cannot be used, or undefined when it can. The patterns run in JS
 * and in the warehouses' regex engines (RE2 in DuckDB and BigQuery, Snowflake's POSIX-based
 * one), so only what all of them support is allowed: RE2 has no backtracking, hence no
 * backreferences, lookaround, atomic groups or possessive quantifiers.
 */
export function regexProblem(pattern: string): string | undefined {
  const re2 = (what: string) => `${what} in /${pattern}/ are not supported: blocked-value regexes must be RE2-compatible (they also run in DuckDB, BigQuery and Snowflake); rewrite the pattern without them`;
  if (pattern === '') return 'an empty regex (//) would block every value; write a pattern between the slashes';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    const next = pattern[i + 1];
    if (char === '\\') {
      if (next !== undefined && /[1-9]/.test(next)) return re2(`backreferences (\\${next})`);
      if (next === 'k' && pattern[i + 2] === '<') return re2('named backreferences (\\k<...>)');
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      // A ] first in a class (after an optional ^) is a literal in RE2 and POSIX.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (char === '(' && next === '?') {
      const group = pattern.slice(i, i + 4);
      if (group.startsWith('(?=') || group.startsWith('(?!')) return re2('lookaheads ((?= and (?!)');
      if (group === '(?<=' || group === '(?<!') return re2('lookbehinds ((?<= and (?<!)');
      if (group.startsWith('(?>')) return re2('atomic groups ((?>...))');
      i++; // the ? of a group is not a quantifier
      continue;
    }
    const quantifierEnds = char === '*' || char === '+' || char === '?' || (char === '}' && /\{\d+(,\d*)?$/.test(pattern.slice(0, i)));
    if (quantifierEnds && next === '+') return re2(`possessive quantifiers (${char}+)`);
  }
  try {
    new RegExp(pattern);
  } catch (error) {
    return `/${pattern}/ is not a valid regex: ${(error as Error).message}; fix the pattern`;
  }
  return undefined;
}

// ---- checks of a built config ----------------------------------------------------------------

/**
 * Problems with an identity config that is already built, such as {@link DEFAULT_IDENTITY_CONFIG}:
 * the checks a file's values go through, applied to the stored form. Empty when valid.
 */
export function identityConfigProblems(config: IdentityConfig): string[] {
  const problems: string[] = [];
  if (!Object.hasOwn(PHONE_REGIONS, config.phoneDefaultRegion)) problems.push(`phoneDefaultRegion ${describe(config.phoneDefaultRegion)} is not a key of PHONE_REGIONS`);
  for (const type of ENTITY_TYPES) {
    const entity = config[type];
    for (const [idType, values] of Object.entries(entity.blockedValues)) {
      const path = `${type}.blockedValues.${idType}`;
      if (idType !== ANY_TYPE && !IDENTIFIER_TYPE.test(idType)) problems.push(`${path}: not a valid identifier type ([a-z0-9_]+ or '*')`);
      values.exact.forEach((value, i) => {
        if (value !== value.trim().toLowerCase()) problems.push(`${path}.exact[${i}] ${describe(value)} must be trimmed and lower-case`);
      });
      values.regex.forEach((pattern, i) => {
        const problem = regexProblem(pattern);
        if (problem) problems.push(`${path}.regex[${i}]: ${problem}`);
      });
      if (new Set(values.exact).size !== values.exact.length) problems.push(`${path}.exact has duplicates`);
      if (new Set(values.regex).size !== values.regex.length) problems.push(`${path}.regex has duplicates`);
    }
    for (const [idType, limit] of Object.entries(entity.limits)) {
      if (!IDENTIFIER_TYPE.test(idType)) problems.push(`${type}.limits.${idType}: not a valid identifier type ([a-z0-9_]+)`);
      if (!isPositiveInteger(limit)) problems.push(`${type}.limits.${idType} must be a positive integer (got ${describe(limit)})`);
    }
  }
  return problems;
}

// ---- helpers -------------------------------------------------------------------------------

/** A YAML mapping with only `known` keys; unknown keys are reported. Undefined if not a mapping. */
function mapping(value: unknown, path: string, problems: string[], known: string[]): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    problems.push(`${path || 'the top level'} must be a mapping of ${[...known].sort().join(', ')} (got ${describe(value)})`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.push(`${path ? `${path}.` : ''}${key}: unknown key; known: ${[...known].sort().join(', ')}`);
  }
  return value;
}

/** A mapping of identifier type to something; null or omitted is empty. */
function optionalMapping(value: unknown, path: string, problems: string[]): Record<string, unknown> | undefined {
  if (value === null || value === undefined) return undefined;
  if (isPlainObject(value)) return value;
  problems.push(`${path} must be a mapping of identifier type to values (got ${describe(value)})`);
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** The file as a person would name it: relative to the working directory when inside it. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

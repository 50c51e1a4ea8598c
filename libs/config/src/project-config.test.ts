import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { DEFAULT_IDENTITY_CONFIG } from '@hcrm/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { ConfigError, identityConfigProblems, loadProjectConfig, parseProject, parseProjectConfig, regexProblem } from './project-config';
import { findRepoRoot } from './repo-root';

const tmp = mkdtempSync(join(tmpdir(), 'hcrm-project-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let count = 0;
/** A fresh repo root holding `hcrm.yml` with `text`, or none when text is undefined. */
function repoWith(text?: string): string {
  const dir = join(tmp, `repo-${++count}`);
  mkdirSync(dir);
  if (text !== undefined) writeFileSync(join(dir, 'hcrm.yml'), text);
  return dir;
}

function load(text: string) {
  return parseProjectConfig(text, 'hcrm.yml');
}

/** The message of the ConfigError that parsing `text` throws. */
function errorOf(text: string): string {
  try {
    load(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadProjectConfig', () => {
  it('uses all defaults when the repo has no hcrm.yml', () => {
    const config = loadProjectConfig({}, repoWith());
    expect(config.file).toBeUndefined();
    expect(config.identity).toEqual(DEFAULT_IDENTITY_CONFIG);
    expect(config.identity.person.blockedValues).not.toBe(DEFAULT_IDENTITY_CONFIG.person.blockedValues);
  });

  it('uses all defaults for an empty file or an empty identity section', () => {
    expect(load('')).toEqual(DEFAULT_IDENTITY_CONFIG);
    expect(load('# nothing yet\n')).toEqual(DEFAULT_IDENTITY_CONFIG);
    expect(load('identity:\n')).toEqual(DEFAULT_IDENTITY_CONFIG);
    expect(load('identity:\n  persons:\n  groups: {}\n')).toEqual(DEFAULT_IDENTITY_CONFIG);
    expect(load('identity:\n  persons:\n    blocked_values: {email: [], "*":}\n    limits: {}\n')).toEqual(DEFAULT_IDENTITY_CONFIG);
  });

  it('reads <repoRoot>/hcrm.yml and reports the file it read', () => {
    const root = repoWith('identity:\n  persons:\n    limits:\n      email: 3\n');
    const config = loadProjectConfig({}, root);
    expect(config.file).toBe(join(root, 'hcrm.yml'));
    expect(config.identity.person.limits.email).toBe(3);
  });

  it('reads the file named by HCRM_CONFIG, relative to the working directory', () => {
    const file = join(tmp, 'other.yml');
    writeFileSync(file, 'identity:\n  phone_default_region: gb\n');
    const config = loadProjectConfig({ HCRM_CONFIG: relative(process.cwd(), file) }, repoWith('identity: {phone_default_region: DE}\n'));
    expect(config.file).toBe(resolve(file));
    expect(config.identity.phoneDefaultRegion).toBe('GB');
  });

  it('fails when the file named by HCRM_CONFIG does not exist', () => {
    const env = { HCRM_CONFIG: join(tmp, 'missing.yml') };
    expect(() => loadProjectConfig(env, repoWith())).toThrow(ConfigError);
    expect(() => loadProjectConfig(env, repoWith())).toThrow(`HCRM_CONFIG names ${join(tmp, 'missing.yml')}, which does not exist`);
  });

  it('treats an empty HCRM_CONFIG as unset', () => {
    expect(loadProjectConfig({ HCRM_CONFIG: ' ' }, repoWith()).identity).toEqual(DEFAULT_IDENTITY_CONFIG);
  });

  it('names the file in its messages', () => {
    const root = repoWith('identity:\n  persons:\n    limits:\n      email: ten\n');
    expect(() => loadProjectConfig({}, root)).toThrow(`${join(root, 'hcrm.yml')}: identity.persons.limits.email must be a positive integer`);
  });

  it('is filled in by loadConfig', () => {
    expect(loadConfig({}, '/checkout').project).toEqual({ identity: DEFAULT_IDENTITY_CONFIG, pipeline: { lookbackMinutes: 10 }, warehouse: {} });
    const root = repoWith('identity:\n  groups:\n    limits: {shopify_shop_id: 2}\n');
    expect(loadConfig({}, root).project.identity.group.limits.shopify_shop_id).toBe(2);
  });

  it('loads the committed hcrm.yml', () => {
    const root = findRepoRoot();
    const config = loadProjectConfig({}, root);
    expect(config.file).toBe(join(root, 'hcrm.yml'));
    expect(config.identity.phoneDefaultRegion).toBe('US');
    expect(config.identity.person.limits).toEqual({ email: 10, phone: 10, user_id: 1 });
    expect(config.identity.group.limits).toEqual({ shopify_shop_id: 1, myshopify_domain: 1 });
    expect(identityConfigProblems(config.identity)).toEqual([]);
  });
});

describe('merging over the defaults', () => {
  it('adds blocked values to the defaults of their type, lower-cased, trimmed and deduplicated', () => {
    const identity = load(`
identity:
  persons:
    blocked_values:
      email: [' Support@Acme.com ', test@test.com, '/^noreply@/', '/^noreply@/', support@acme.com]
      user_id: ['guest']
      '*': [TBD]
`);
    const email = identity.person.blockedValues.email!;
    expect(email.exact).toEqual([...DEFAULT_IDENTITY_CONFIG.person.blockedValues.email!.exact, 'support@acme.com']);
    expect(email.regex).toEqual([...DEFAULT_IDENTITY_CONFIG.person.blockedValues.email!.regex, '^noreply@']);
    expect(identity.person.blockedValues.user_id).toEqual({ exact: ['guest'], regex: [] });
    expect(identity.person.blockedValues['*']!.exact).toEqual([...DEFAULT_IDENTITY_CONFIG.person.blockedValues['*']!.exact, 'tbd']);
    expect(identity.group).toEqual(DEFAULT_IDENTITY_CONFIG.group);
    expect(identityConfigProblems(identity)).toEqual([]);
  });

  it('overrides limits per type, adds new ones and removes one given as null', () => {
    const identity = load('identity:\n  persons:\n    limits:\n      email: 3\n      phone: null\n      crm_id: 2\n');
    expect(identity.person.limits).toEqual({ email: 3, user_id: 1, crm_id: 2 });
    expect(identity.group.limits).toEqual(DEFAULT_IDENTITY_CONFIG.group.limits);
  });

  it('drops the default blocked values when use_default_blocked_values is false', () => {
    const identity = load('identity:\n  groups:\n    use_default_blocked_values: false\n    blocked_values:\n      domain: [acme.com]\n');
    expect(identity.group.blockedValues).toEqual({ domain: { exact: ['acme.com'], regex: [] } });
    expect(identity.group.limits).toEqual(DEFAULT_IDENTITY_CONFIG.group.limits);
    expect(identity.person.blockedValues).toEqual(DEFAULT_IDENTITY_CONFIG.person.blockedValues);
    expect(load('identity:\n  persons:\n    use_default_blocked_values: false\n').person.blockedValues).toEqual({});
  });

  it('never changes the defaults', () => {
    const before = structuredClone(DEFAULT_IDENTITY_CONFIG);
    load('identity:\n  persons:\n    blocked_values: {email: [a@b.c], "*": [x]}\n    limits: {email: 1, phone: null}\n');
    expect(DEFAULT_IDENTITY_CONFIG).toEqual(before);
  });

  it('reads the phone region case-insensitively and stores it upper-case', () => {
    expect(load('identity:\n  phone_default_region: gb\n').phoneDefaultRegion).toBe('GB');
    expect(load('identity:\n  phone_default_region: " De "\n').phoneDefaultRegion).toBe('DE');
    expect(load('identity:\n  phone_default_region:\n').phoneDefaultRegion).toBe('US');
  });
});

describe('validation messages', () => {
  it('rejects an unknown region, naming the known ones', () => {
    expect(errorOf('identity:\n  phone_default_region: XX\n')).toBe(
      'hcrm.yml: identity.phone_default_region must be one of AU, BR, CA, DE, ES, FR, GB, IE, IN, IT, JP, NL, NZ, US (got "XX"); add other regions to PHONE_REGIONS in libs/contracts/src/identity.ts',
    );
    expect(errorOf('identity:\n  phone_default_region: 44\n')).toContain('(got 44)');
  });

  it('rejects a limit that is not a positive integer', () => {
    const message = 'hcrm.yml: identity.persons.limits.email must be a positive integer (got "ten"), or null to remove the default limit';
    expect(errorOf('identity:\n  persons:\n    limits:\n      email: ten\n')).toBe(message);
    expect(errorOf('identity:\n  groups:\n    limits: {domain: 0}\n')).toContain('identity.groups.limits.domain must be a positive integer (got 0)');
    expect(errorOf('identity:\n  groups:\n    limits: {domain: 1.5}\n')).toContain('(got 1.5)');
    expect(errorOf('identity:\n  groups:\n    limits: {domain: -2}\n')).toContain('(got -2)');
  });

  it('rejects unknown keys at every level, listing the known ones', () => {
    expect(errorOf('identity:\n  persons:\n    limit:\n      email: 10\n')).toBe(
      'hcrm.yml: identity.persons.limit: unknown key; known: blocked_values, limits, use_default_blocked_values',
    );
    expect(errorOf('identity:\n  person: {}\n')).toBe('hcrm.yml: identity.person: unknown key; known: groups, persons, phone_default_region');
    expect(errorOf('identiy: {}\n')).toBe('hcrm.yml: identiy: unknown key; known: identity, pipeline, warehouse');
  });

  it('rejects identifier types that are not lower-case [a-z0-9_]+', () => {
    expect(errorOf('identity:\n  persons:\n    blocked_values:\n      Email: [x]\n')).toBe(
      "hcrm.yml: identity.persons.blocked_values.Email: identifier types are lower-case letters, digits and _ ([a-z0-9_]+), or '*' for every type",
    );
    expect(errorOf('identity:\n  persons:\n    limits:\n      "*": 2\n')).toContain('identity.persons.limits.*: identifier types are lower-case');
  });

  it('rejects values of the wrong shape', () => {
    expect(errorOf('- identity\n')).toBe('hcrm.yml: the top level must be a mapping of identity, pipeline, warehouse (got a list)');
    expect(errorOf('identity: [a]\n')).toContain('identity must be a mapping of groups, persons, phone_default_region (got a list)');
    expect(errorOf('identity:\n  persons:\n    use_default_blocked_values: "no"\n')).toBe(
      'hcrm.yml: identity.persons.use_default_blocked_values must be true or false (got "no")',
    );
    expect(errorOf('identity:\n  persons:\n    blocked_values: [a]\n')).toContain('identity.persons.blocked_values must be a mapping of identifier type to values (got a list)');
    expect(errorOf('identity:\n  persons:\n    blocked_values:\n      email: a@b.c\n')).toContain('identity.persons.blocked_values.email must be a list of values (got "a@b.c")');
    expect(errorOf('identity:\n  persons:\n    blocked_values:\n      phone: [x, 0000000]\n')).toBe(
      "hcrm.yml: identity.persons.blocked_values.phone[1] must be a string (got 0); quote it ('0') so YAML keeps it as written",
    );
  });

  it('reports every problem at once, one per line', () => {
    try {
      load('identity:\n  phone_default_region: XX\n  persons:\n    limits: {email: ten}\n');
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
      expect((error as ConfigError).message.split('\n')).toHaveLength(2);
    }
  });

  it('reports YAML syntax errors with their line', () => {
    const message = errorOf('identity:\n  persons:\n    limits: [email\n');
    expect(message).toMatch(/^hcrm\.yml: invalid YAML at line 4, column 1: .*; fix the syntax there/);
    expect(errorOf('identity:\n  persons: {}\n  persons: {}\n')).toMatch(/^hcrm\.yml: invalid YAML at line 3, column 3: Map keys must be unique/);
  });

  it('rejects regexes that do not compile', () => {
    expect(errorOf("identity:\n  persons:\n    blocked_values:\n      email: ['/(unclosed/']\n")).toMatch(
      /^hcrm\.yml: identity\.persons\.blocked_values\.email\[0\]: \/\(unclosed\/ is not a valid regex: .*; fix the pattern$/,
    );
    expect(errorOf("identity:\n  persons:\n    blocked_values:\n      email: ['//']\n")).toContain('an empty regex (//) would block every value');
    expect(errorOf("identity:\n  persons:\n    blocked_values:\n      email: ['/^noreply@/i']\n")).toContain('regex flags are not supported');
  });

  it.each([
    ['(a)\\1', 'backreferences (\\1)'],
    ['(?<x>a)\\k<x>', 'named backreferences'],
    ['^(?=.*@)', 'lookaheads'],
    ['^(?!x)', 'lookaheads'],
    ['(?<=@)gmail', 'lookbehinds'],
    ['(?<!x)y', 'lookbehinds'],
    ['(?>a|ab)c', 'atomic groups'],
    ['a++', 'possessive quantifiers (++)'],
    ['a*+b', 'possessive quantifiers (*+)'],
    ['a{2}+', 'possessive quantifiers (}+)'],
  ])('rejects the RE2-incompatible regex /%s/', (pattern, what) => {
    const message = errorOf(`identity:\n  persons:\n    blocked_values:\n      email: ['/${pattern}/']\n`);
    expect(message).toContain(`identity.persons.blocked_values.email[0]: ${what}`);
    expect(message).toContain('must be RE2-compatible');
  });

  it.each(['^\\+?0+$', 'a\\++', '[+*]+', '[]+]+', '(?:a|b)+?', '(?<name>x)', '\\d{3}-\\d{4}', 'a{2,}?'])('accepts the RE2-compatible regex /%s/', (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });
});

describe('DEFAULT_IDENTITY_CONFIG', () => {
  it('passes the checks a config file goes through', () => {
    expect(identityConfigProblems(DEFAULT_IDENTITY_CONFIG)).toEqual([]);
  });

  it('is what a file restating the defaults yields', () => {
    expect(identityConfigProblems(load('identity:\n  persons:\n    blocked_values: {"*": [N/A, " Null "]}\n'))).toEqual([]);
  });

  it('is caught by the checks when broken', () => {
    const broken = structuredClone(DEFAULT_IDENTITY_CONFIG);
    broken.phoneDefaultRegion = 'XX';
    broken.person.blockedValues.email = { exact: ['Test@x.com', 'a', 'a'], regex: ['(?=x)'] };
    broken.group.limits.domain = 0;
    expect(identityConfigProblems(broken)).toEqual([
      'phoneDefaultRegion "XX" is not a key of PHONE_REGIONS',
      'person.blockedValues.email.exact[0] "Test@x.com" must be trimmed and lower-case',
      expect.stringContaining('person.blockedValues.email.regex[0]: lookaheads'),
      'person.blockedValues.email.exact has duplicates',
      'group.limits.domain must be a positive integer (got 0)',
    ]);
  });
});

describe('pipeline settings', () => {
  it('defaults the lookback to 10 minutes and reads pipeline.lookback_minutes', () => {
    expect(parseProject('identity: {}').pipeline.lookbackMinutes).toBe(10);
    expect(parseProject('pipeline:\n  lookback_minutes: 3\n').pipeline.lookbackMinutes).toBe(3);
  });

  it('rejects a lookback that is not a whole number of minutes', () => {
    expect(() => parseProject('pipeline:\n  lookback_minutes: -1\n')).toThrow(/pipeline\.lookback_minutes must be a whole number/);
    expect(() => parseProject('pipeline:\n  lookbak_minutes: 3\n')).toThrow(/pipeline\.lookbak_minutes: unknown key/);
  });
});

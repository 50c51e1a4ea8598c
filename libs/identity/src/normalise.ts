import {
  DOMAIN_IDENTIFIER_TYPES,
  EMAIL_IDENTIFIER_TYPES,
  PHONE_IDENTIFIER_TYPES,
  PHONE_REGIONS,
  type Dialect,
  type EntityIdentityConfig,
} from '@hcrm/contracts';
import { DIALECT_SQL, sqlString } from '@hcrm/sql';
import { inList } from './internal';

/**
 * The normalised form of an identifier value (`valueExpr`, text) of type `typeExpr` (already
 * lower-cased): emails trimmed and lower-cased; phones in international form (`+<digits>`)
 * with national numbers read in `phoneRegion`; domains lower-cased without scheme, `www.`,
 * port and path; every other type trimmed.
 *
 * @example
 *   `select ${normalizeIdentifierSql("'phone'", "'020 7946 0018'", 'duckdb', 'GB')} as v`  // '+442079460018'
 * @throws Error when `phoneRegion` is not one of PHONE_REGIONS.
 */
export function normalizeIdentifierSql(typeExpr: string, valueExpr: string, dialect: Dialect, phoneRegion: string): string {
  const d = DIALECT_SQL[dialect];
  const region = PHONE_REGIONS[phoneRegion];
  if (!region) throw new Error(`unknown phone region "${phoneRegion}"; known: ${Object.keys(PHONE_REGIONS).join(', ')}`);
  const trimmed = `trim(${valueExpr})`;
  const lowered = `lower(${trimmed})`;
  let domain = d.regexReplaceAll(lowered, '^[a-z][a-z0-9+.-]*://', '');
  domain = d.regexReplaceAll(domain, '^[^/@]*@', '');
  domain = d.regexReplaceAll(domain, '^www[0-9]*\\.', '');
  domain = d.regexReplaceAll(domain, '[/?#].*$', '');
  domain = d.regexReplaceAll(domain, '(:[0-9]*)?\\.?$', '');
  const digits = d.regexReplaceAll(trimmed, '[^0-9]', '');
  const cc = sqlString(region.countryCode);
  const trunk = region.trunkPrefix;
  let national: string;
  if (region.countryCode === '1') {
    // NANP: ten digits, optionally written with the leading 1.
    national = `case when length(${digits}) = 11 and substr(${digits}, 1, 1) = '1' then '+' || ${digits} else '+1' || ${digits} end`;
  } else if (trunk) {
    national = `case when substr(${digits}, 1, ${trunk.length}) = ${sqlString(trunk)} then '+' || ${cc} || substr(${digits}, ${trunk.length + 1}) else '+' || ${cc} || ${digits} end`;
  } else {
    national = `'+' || ${cc} || ${digits}`;
  }
  const phone = `case when ${digits} = '' then '' when substr(${trimmed}, 1, 1) = '+' then '+' || ${digits} when substr(${digits}, 1, 2) = '00' then '+' || substr(${digits}, 3) else ${national} end`;
  return `case when ${typeExpr} in ${inList(EMAIL_IDENTIFIER_TYPES)} then ${lowered} when ${typeExpr} in ${inList(PHONE_IDENTIFIER_TYPES)} then ${phone} when ${typeExpr} in ${inList(DOMAIN_IDENTIFIER_TYPES)} then ${domain} else ${trimmed} end`;
}

/**
 * true when an identifier is blocked: its value (original trimmed and lower-cased, or
 * normalised) is empty or matches a blocked value of its type or of `*`.
 *
 * @example
 *   blockedSql('identifier_type', 'raw_value', 'identifier_value', DEFAULT_IDENTITY_CONFIG.person, 'duckdb')
 */
export function blockedSql(typeExpr: string, rawExpr: string, normalizedExpr: string, config: EntityIdentityConfig, dialect: Dialect): string {
  const d = DIALECT_SQL[dialect];
  const candidates = [`lower(trim(${rawExpr}))`, normalizedExpr];
  const matches = (rule: { exact: string[]; regex: string[] }) => {
    const parts: string[] = [];
    for (const value of candidates) {
      // Values from hcrm.yml: written with the dialect's escaping (a backslash is data).
      if (rule.exact.length) parts.push(`${value} in (${rule.exact.map(d.literal).join(', ')})`);
      for (const pattern of rule.regex) parts.push(d.regexContains(value, pattern));
    }
    return parts.length ? parts.join(' or ') : 'false';
  };
  const branches = [`when ${rawExpr} is null or ${normalizedExpr} is null or ${normalizedExpr} = '' then true`];
  for (const [type, rule] of Object.entries(config.blockedValues)) {
    if (type === '*') continue;
    branches.push(`when ${typeExpr} = ${d.literal(type)} and (${matches(rule)}) then true`);
  }
  const all = config.blockedValues['*'];
  if (all) branches.push(`when ${matches(all)} then true`);
  return `case ${branches.join(' ')} else false end`;
}

/**
 * Identity resolution: the entity types, the guards against over-merging and their
 * defaults. The project's YAML config (`hcrm.yml`, see docs/identity.md) adds to these.
 */
export const ENTITY_TYPES = ['person', 'group'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Identifier types normalised as emails, phones and domains; every other type is trimmed. */
export const EMAIL_IDENTIFIER_TYPES = ['email'] as const;
export const PHONE_IDENTIFIER_TYPES = ['phone'] as const;
export const DOMAIN_IDENTIFIER_TYPES = ['domain', 'myshopify_domain', 'website'] as const;

/** A region's calling code and the trunk prefix its national numbers start with. */
export interface PhoneRegion {
  countryCode: string;
  trunkPrefix: string;
}

/**
 * Regions a phone number without a country code may be read in (`phone_default_region`).
 * National numbers lose the trunk prefix and gain the calling code: `020 7946 0018` in GB
 * becomes `+442079460018`. NANP numbers (US, CA) have no trunk prefix but may be written
 * with a leading 1.
 */
export const PHONE_REGIONS: Readonly<Record<string, PhoneRegion>> = {
  US: { countryCode: '1', trunkPrefix: '1' },
  CA: { countryCode: '1', trunkPrefix: '1' },
  GB: { countryCode: '44', trunkPrefix: '0' },
  IE: { countryCode: '353', trunkPrefix: '0' },
  DE: { countryCode: '49', trunkPrefix: '0' },
  FR: { countryCode: '33', trunkPrefix: '0' },
  NL: { countryCode: '31', trunkPrefix: '0' },
  ES: { countryCode: '34', trunkPrefix: '' },
  IT: { countryCode: '39', trunkPrefix: '' },
  AU: { countryCode: '61', trunkPrefix: '0' },
  NZ: { countryCode: '64', trunkPrefix: '0' },
  IN: { countryCode: '91', trunkPrefix: '0' },
  BR: { countryCode: '55', trunkPrefix: '0' },
  JP: { countryCode: '81', trunkPrefix: '0' },
};

/** Blocked identifier values of one type: exact (compared after normalisation) or regex (RE2). */
export interface BlockedValues {
  exact: string[];
  regex: string[];
}

export interface EntityIdentityConfig {
  /** Per identifier type; the key `*` applies to every type. */
  blockedValues: Record<string, BlockedValues>;
  /** The most distinct values of a type one entity may hold. Types without a limit have none. */
  limits: Record<string, number>;
}

export interface IdentityConfig {
  phoneDefaultRegion: string;
  person: EntityIdentityConfig;
  group: EntityIdentityConfig;
}

/** Values that name nobody: placeholders that forms and loaders write for "no value". */
const PLACEHOLDERS = ['', 'null', 'nil', 'none', 'unknown', 'n/a', 'na', 'undefined', '-', '0', 'test', 'xxx'];

export const DEFAULT_IDENTITY_CONFIG: IdentityConfig = {
  phoneDefaultRegion: 'US',
  person: {
    blockedValues: {
      '*': { exact: PLACEHOLDERS, regex: [] },
      email: {
        exact: ['test@test.com', 'test@example.com', 'email@example.com', 'noemail@noemail.com', 'none@none.com'],
        // Role addresses (info@, sales@, ...) are shared by many people: they link nobody.
        regex: [
          '^(no-?reply|do-?not-?reply|noemail|none|null|test)@',
          '@(example\\.(com|org|net)|test\\.com)$',
          '^(info|sales|support|admin|contact|hello|office|team|billing|marketing|accounts)@',
        ],
      },
      phone: { exact: [], regex: ['^\\+?0+$', '^\\+?1?(1234567890|0123456789|5555555555)$'] },
    },
    limits: { email: 10, phone: 10, user_id: 1 },
  },
  group: {
    blockedValues: {
      '*': { exact: PLACEHOLDERS, regex: [] },
      domain: {
        exact: ['gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'aol.com', 'example.com', 'localhost'],
        regex: [],
      },
    },
    limits: { shopify_shop_id: 1, myshopify_domain: 1 },
  },
};

/** What staging one entity type's batch found. */
export interface IdentityBatch {
  entityType: EntityType;
  /** Core identifier rows no earlier run observed. Zero means the run has nothing to do. */
  batchRows: number;
  blocked: number;
  /** Edges never seen before, and nodes of the contracted graph they connect. */
  newEdges: number;
  nodes: number;
  /** This run was applied already (a retried activity): nothing was staged again. */
  alreadyApplied?: boolean;
}

export interface IdentityRound {
  entityType: EntityType;
  /** Rounds run by this call, and how many node labels the last one changed. */
  rounds: number;
  changed: number;
  converged: boolean;
}

export interface IdentityApplied {
  entityType: EntityType;
  batchRows: number;
  blocked: number;
  newIdentifiers: number;
  newEdges: number;
  newEntities: number;
  merges: number;
  /** Edges a per-type limit refused (see identity.identity_quarantine). */
  quarantined: number;
  iterations: number;
  watermark?: string;
}

export interface MembershipsStaged {
  rows: number;
  watermark?: string;
}


/** What the identity step of a run did, per entity type (absent: nothing new to resolve). */
export interface IdentityRunSummary {
  fullRefresh: boolean;
  person?: IdentityApplied;
  group?: IdentityApplied;
  memberships: MembershipsStaged;
}

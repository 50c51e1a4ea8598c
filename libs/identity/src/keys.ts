import type { Dialect, EntityType } from '@hcrm/contracts';
import { DIALECT_SQL, sqlString } from '@hcrm/sql';

/**
 * The unambiguous text key of an identifier: `<len(type)>:<type>:<len(value)>:<value>`.
 *
 * @example
 *   identifierKeySql('a_type', 'a_value', 'duckdb')  // the key of an edge's first identifier
 */
export function identifierKeySql(typeExpr: string, valueExpr: string, dialect: Dialect): string {
  const text = DIALECT_SQL[dialect].text;
  return `cast(length(${typeExpr}) as ${text}) || ':' || ${typeExpr} || ':' || cast(length(${valueExpr}) as ${text}) || ':' || ${valueExpr}`;
}

/**
 * The same key in TypeScript, for tests and the CLI.
 *
 * @example
 *   identifierKey('email', 'a@b.c')  // '5:email:5:a@b.c'
 */
export function identifierKey(type: string, value: string): string {
  return `${type.length}:${type}:${value.length}:${value}`;
}

const ENTITY_ID_PREFIX: Record<EntityType, string> = { person: 'per_', group: 'grp_' };

/**
 * An entity's id, from the identifier that created it: stable, and the same on every warehouse.
 *
 * @example
 *   entityIdSql('person', 'duckdb', 'seeds.identifier_type', 'seeds.identifier_value')  // 'per_' || ...
 */
export function entityIdSql(entity: EntityType, dialect: Dialect, typeExpr: string, valueExpr: string): string {
  return `${sqlString(ENTITY_ID_PREFIX[entity])} || substr(${DIALECT_SQL[dialect].md5Hex(`${sqlString(entity)} || '|' || ${identifierKeySql(typeExpr, valueExpr, dialect)}`)}, 1, 24)`;
}

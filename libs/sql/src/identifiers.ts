import type { Dialect } from '@hcrm/contracts';
import { DIALECT_SQL } from './dialects';

/** Quotes an identifier (letters, digits and _ only) in the dialect. */
export function quoteIdent(name: string, dialect: Dialect): string {
  return DIALECT_SQL[dialect].quote(name);
}

/** `"schema"."table"`, both parts checked like any identifier. */
export function qualifiedName(schema: string, table: string, dialect: Dialect): string {
  return `${quoteIdent(schema, dialect)}.${quoteIdent(table, dialect)}`;
}

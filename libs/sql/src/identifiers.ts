/** Quotes an identifier for every supported dialect (all accept standard double quotes). */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`"${name}" is not a valid table or column name: use letters, digits and _ only`);
  }
  return `"${name}"`;
}

/** `"schema"."table"`, both parts checked like any identifier. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** Where a request came from, for sessions and the audit trail. */
export interface RequestContext {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** Trims client-supplied text to a column's length. */
export function clip(text: string | undefined, length: number): string | null {
  return text ? text.slice(0, length) : null;
}

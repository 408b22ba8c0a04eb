/** Where a request came from, for sessions and the audit trail. */
export interface RequestContext {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** Trims client-supplied text to a column's length. */
export function clip(text: string | undefined, length: number): string | null {
  return text ? text.slice(0, length) : null;
}

/** The context of an Express request (the address honours TRUST_PROXY). */
export function contextOf(req: { ip?: string | undefined; get(name: string): string | undefined }): RequestContext {
  return { ip: req.ip, userAgent: req.get('user-agent') };
}

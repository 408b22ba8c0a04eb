/**
 * What a credential proves: whose account it is, and how it was proven, as RFC 8176
 * authentication method references (`pwd` for a password). One session function turns a proof
 * into tokens; each way of proving identity only produces proofs.
 */
export interface Proof {
  userId: number;
  amr: readonly string[];
}

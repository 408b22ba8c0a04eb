/**
 * What a credential proves: whose account it is, and how it was proven, as RFC 8176
 * authentication method references (`pwd` for a password). One session function turns a proof
 * into tokens; each way of proving identity only produces proofs.
 */
export interface Proof {
  userId: number;
  amr: readonly string[];
}

/** RFC 8176 method references Tokengate issues. */
export const AMR = {
  /** A password. */
  password: 'pwd',
  /** A one-time password: an authenticator app's code, or a recovery code. */
  otp: 'otp',
  /** A hardware-bound key (a passkey). */
  hardwareKey: 'hwk',
  /** A software-bound key. */
  softwareKey: 'swk',
} as const;

/** What a session or token without `amr` (issued before second factors existed) was proven with. */
export const LEGACY_AMR: readonly string[] = Object.freeze([AMR.password]);

const SECOND_FACTORS: readonly string[] = [AMR.otp, AMR.hardwareKey, AMR.softwareKey];

/** True when the methods include something beyond a password: a one-time code or a key. */
export function hasSecondFactor(amr: readonly string[]): boolean {
  return amr.some((method) => SECOND_FACTORS.includes(method));
}

/** The methods of two steps of one signin, in order, each once. */
export function combineAmr(first: readonly string[], second: readonly string[]): string[] {
  return [...new Set([...first, ...second])];
}

/** `amr` as stored in one column: the methods separated by spaces. */
export function amrToText(amr: readonly string[]): string {
  return amr.join(' ');
}

export function amrFromText(text: string | null | undefined): readonly string[] {
  const methods = (text ?? '').split(' ').filter(Boolean);
  return methods.length > 0 ? methods : LEGACY_AMR;
}

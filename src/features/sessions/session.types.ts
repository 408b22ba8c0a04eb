/* What sessions give and take: who tokens go to, the tokens, and why and which sessions end. */

export type EndReason =
  | 'signout'
  | 'signout-all'
  | 'ended-by-user'
  | 'refresh-token-reuse'
  | 'account-disabled'
  | 'account-deleted'
  | 'roles-reduced'
  | 'password-changed'
  | 'password-reset'
  | 'revoked-by-admin'
  | 'session-limit';

/** Who tokens are issued to, read when a session starts and at every refresh (roles may change). */
export interface Subject {
  id: number;
  username: string;
  email: string;
  roles: string[];
  disabled: boolean;
  /** Carried by access tokens as `email_verified`. */
  emailVerified: boolean;
}

/** A new access token and the refresh token that goes with it. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Access-token lifetime in seconds. */
  expiresIn: number;
}

export interface StartedSession extends TokenPair {
  sessionId: string;
  subject: Subject;
}

/** Sessions to end: these, or every active one of these users (but `except`). */
export type EndTarget = { sessionIds: readonly string[] } | { userIds: readonly number[]; except?: string | undefined };

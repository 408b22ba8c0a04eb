import { booleanText, count, duration, setting, type Setting } from '../setting.js';

/** Sessions: refresh tokens, their lifetimes, revocation and the token transport. */
export const sessionSettings = {
  REFRESH_TOKEN_TTL: setting({
    schema: duration(60, 365 * 86400),
    default: '7d',
    description:
      'Idle lifetime of a session: unused this long, its refresh token expires (to within 1 % of it: a refresh records the last use only when that moved by more than 1 %).',
  }),
  SESSION_MAX_AGE: setting({
    schema: duration(60, 365 * 86400),
    default: '30d',
    description: 'Absolute lifetime of a session, however often it is refreshed.',
  }),
  REFRESH_TOKEN_ROTATION: setting({
    schema: booleanText,
    default: 'true',
    description:
      "A new refresh token on every refresh, with reuse detection. `false` keeps the signin's token for the whole session (for clients that never store a new one).",
  }),
  REFRESH_TOKEN_REUSE_INTERVAL: setting({
    schema: duration(0, 300),
    default: '10s',
    description:
      'A rotated refresh token presented again within this time (two tabs refreshing at once, a retry after a lost answer) gets the same new token back instead of ending the session; `0` turns it off.',
  }),
  MAX_SESSIONS_PER_USER: setting({
    schema: count(1, 10_000),
    default: '50',
    description: 'Live sessions one account may have; a new signin beyond it ends the oldest.',
  }),
  REVOCATION_POLL_INTERVAL: setting({
    schema: duration(1, 60),
    default: '1s',
    description: 'How often each instance reads the sessions ended by other instances (1 s to 60 s).',
  }),
  COOKIE_TRANSPORT: setting({
    schema: booleanText,
    default: 'false',
    description:
      '`true`: tokens travel in httpOnly, SameSite=Strict cookies (Secure when `NODE_ENV=production`) instead of response bodies.',
  }),
  ACCOUNT_CHECK_INTERVAL: setting({
    schema: duration(0, 3600),
    default: '2s',
    description:
      "How often the accounts behind recently used tokens are checked, so that a deleted account's tokens stop working (`0` turns it off).",
  }),
} as const satisfies Record<string, Setting>;

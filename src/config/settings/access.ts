import { z } from 'zod';
import { booleanText, origin, setting, type Setting } from '../setting.js';

/** TRUST_PROXY: false (default), true, a hop count, or a list of addresses/subnets for Express. */
const trustProxy = z
  .string()
  .trim()
  .transform((v): boolean | number | string[] => {
    const lower = v.toLowerCase();
    if (['false', '0', 'no', 'off', ''].includes(lower)) return false;
    if (['true', 'yes', 'on'].includes(lower)) return true;
    if (/^\d+$/.test(v)) return Number(v);
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  });

/** Who may do what, and from where: second-factor policy, signup roles, CORS, proxies. */
export const accessSettings = {
  MFA_REQUIRED_ROLES: setting({
    schema: z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, { error: 'must be a comma-separated list of role names, e.g. admin' }))),
    default: '',
    shown: 'none',
    description:
      'Comma-separated roles, e.g. `admin`: routes that require one of them, or a role containing one (admin contains every role), answer 403 `MFA_REQUIRED` to a token whose signin had no second factor. Enrollment (`/api/users/me/mfa/*`) stays open.',
  }),
  ALLOW_SIGNUP_ROLES: setting({
    schema: booleanText,
    default: 'false',
    description: '`true` lets signup request `moderator`/`admin` (demo mode only).',
  }),
  CORS_ORIGINS: setting({
    schema: z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(origin)),
    default: 'http://localhost:8081',
    description:
      'Comma-separated origins allowed to call the API from a browser, with credentials. `*` allows every origin, without credentials.',
  }),
  TRUST_PROXY: setting({
    schema: trustProxy,
    default: 'false',
    description:
      'Express `trust proxy`: a hop count (`1` for one proxy) or a list of addresses/subnets of the proxies; `true` trusts every `X-Forwarded-For` entry and is refused in production. Leave `false` unless a proxy sets `X-Forwarded-For`.',
  }),
} as const satisfies Record<string, Setting>;

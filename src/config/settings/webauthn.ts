import { isIP } from 'node:net';
import { z } from 'zod';
import { setting, text, type Setting } from '../setting.js';

/** A domain name (or localhost), lower-cased: never a URL, a port or an IP address. */
const rpId = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(v) && isIP(v) === 0, {
    error: 'must be a domain name such as example.com (no scheme, port or path; never an IP address)',
  });

const webOrigin = z
  .string()
  .trim()
  .regex(/^https?:\/\/[^/\s]+$/i, { error: 'must be a list of origins such as https://auth.example.com (scheme, host and port; no path)' })
  .transform((v) => new URL(v).origin);

/** Passkeys (WebAuthn): who the browser thinks it talks to. */
export const webauthnSettings = {
  WEBAUTHN_RP_ID: setting({
    schema: rpId,
    shown: 'the host of `PUBLIC_URL`',
    description:
      'The passkeys\' relying party ID: the domain they belong to, the host of the origins or a parent domain of them (`example.com` for `https://auth.example.com`). Changing it later makes every registered passkey unusable.',
  }),
  WEBAUTHN_RP_NAME: setting({
    schema: text,
    shown: '`<APP_NAME>`',
    description: 'The name a browser shows when it creates or uses a passkey.',
  }),
  WEBAUTHN_ORIGINS: setting({
    schema: z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(webOrigin).min(1, { error: 'must list at least one origin' })),
    shown: 'the origin of `PUBLIC_URL`',
    description:
      'Comma-separated origins where browsers may create and use passkeys (the public https address people see, such as `https://auth.example.com`). Each must be on the RP ID\'s domain.',
  }),
} as const satisfies Record<string, Setting>;

export interface WebauthnEnv {
  WEBAUTHN_RP_ID: string | undefined;
  WEBAUTHN_RP_NAME: string | undefined;
  WEBAUTHN_ORIGINS: string[] | undefined;
  APP_NAME: string;
}

/**
 * The relying party from the settings and PUBLIC_URL. An origin outside the RP ID's domain is a
 * problem (the browser would refuse every ceremony); a default RP ID that is an IP address, or
 * an http origin other than localhost, only a warning (passkeys will not work there, the rest does).
 */
export function relyingParty(env: WebauthnEnv, publicUrl: string, findings: { problems: string[]; warnings: string[] }) {
  const url = new URL(publicUrl);
  const id = env.WEBAUTHN_RP_ID ?? url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const origins = env.WEBAUTHN_ORIGINS ?? [url.origin];
  if (env.WEBAUTHN_RP_ID === undefined && isIP(id) !== 0) {
    findings.warnings.push(
      `Passkeys cannot work: the host of PUBLIC_URL (${id}) is an IP address, and a WebAuthn RP ID must be a domain name. Set PUBLIC_URL to the public https address, or WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS.`,
    );
  }
  for (const origin of origins) {
    const host = new URL(origin).hostname.toLowerCase();
    if (host !== id && !host.endsWith(`.${id}`)) {
      findings.problems.push(`WEBAUTHN_ORIGINS: ${origin} is not on the domain of the RP ID ${id} (WEBAUTHN_RP_ID, or the host of PUBLIC_URL)`);
    } else if (origin.startsWith('http:') && host !== 'localhost' && !host.endsWith('.localhost')) {
      findings.warnings.push(`Passkeys need https: browsers refuse them on ${origin} (only http://localhost is allowed without TLS).`);
    }
  }
  return { id, name: env.WEBAUTHN_RP_NAME ?? env.APP_NAME, origins };
}

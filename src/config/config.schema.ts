import { z } from 'zod';
import type { Setting } from './setting.js';
import { accessSettings } from './settings/access.js';
import { limitSettings } from './settings/limits.js';
import { mailSettings } from './settings/mail.js';
import { operationSettings } from './settings/operations.js';
import { serverSettings } from './settings/server.js';
import { sessionSettings } from './settings/sessions.js';
import { tokenSettings } from './settings/tokens.js';
import { webauthnSettings } from './settings/webauthn.js';

/*
 * Every setting Tokengate reads, declared once (in groups under settings/): the environment
 * variable, the text used when it is unset, the validation, and the description the README's
 * configuration table shows (a test checks that the table is exactly this list; `npm run
 * docs:config` writes it). The loader maps the parsed values into the structure the services
 * receive.
 */

export type { Setting } from './setting.js';
export { DEFAULT_HASH_CONCURRENCY } from './settings/limits.js';
export { EMAIL_VERIFICATION_MODES } from './settings/mail.js';
export { LOG_LEVELS } from './settings/operations.js';
export { MAX_ACCESS_TOKEN_TTL_SECONDS, SIGNING_ALGORITHMS, type SigningAlgorithm } from './settings/tokens.js';

/** The environment variables Tokengate reads, in the order the README lists them. */
export const settings = {
  ...serverSettings,
  ...tokenSettings,
  ...sessionSettings,
  ...limitSettings,
  ...accessSettings,
  ...operationSettings,
  ...mailSettings,
  ...webauthnSettings,
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof settings;

/** The parsed environment: each variable's value, or undefined for an unset one without a default. */
export type Env = {
  [K in SettingName]: (typeof settings)[K] extends Setting<infer S, infer D>
    ? D extends string
      ? z.output<S>
      : z.output<S> | undefined
    : never;
};

/** One zod object for the whole environment: unset variables take their default text first. */
export const envSchema = z.object(
  Object.fromEntries(
    Object.entries(settings).map(([name, s]: [string, Setting]) => [
      name,
      s.default === undefined ? s.schema.optional() : z.string().default(s.default).pipe(s.schema as z.ZodType<unknown, string>),
    ]),
  ),
) as unknown as z.ZodType<Env, Record<string, string | undefined>>;

/** The README's configuration table, generated from the settings above. */
export function configurationTable(): string {
  const rows = Object.entries(settings).map(([name, s]: [string, Setting]) => {
    const shown = s.shown ?? `\`${s.default}\``;
    return `| \`${name}\` | ${shown} | ${s.description} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}

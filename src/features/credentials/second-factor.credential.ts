import { epochSeconds, type Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { AMR, type Proof } from '../../lib/proof.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AccountThrottle } from './account-throttle.js';
import { hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';
import type { SecondFactorRepository } from './second-factor.repository.js';
import type { SecondFactorMethod } from './second-factors.js';
import { matchingStep, normalizeTotpCode, type TotpVault } from './totp.js';
import { secondsText } from '../../lib/duration.js';

/** The account whose second factor is proven: its id, and its username for the throttle. */
export interface SecondFactorAccount {
  id: number;
  username: string;
}

/** Proving possession of an account's second factor. */
export interface SecondFactorCredential {
  /**
   * A code of the account's authenticator app (each time step once, ±1 step) or one of its
   * recovery codes (each once) proves `otp`. A wrong, replayed or used code gets
   * MFA_CODE_INVALID (400) and counts toward the account throttle, like a wrong password.
   */
  prove(account: SecondFactorAccount, code: string, context: RequestContext): Promise<Proof>;
}

export interface SecondFactorCredentialDeps {
  factors: SecondFactorRepository;
  vault: TotpVault;
  throttle: AccountThrottle;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
}

type Outcome = { ok: true; method: SecondFactorMethod } | { ok: false; method: SecondFactorMethod; reason: string };

export function createSecondFactorCredential(deps: SecondFactorCredentialDeps): SecondFactorCredential {
  const { factors, vault, throttle, audit, clock, logger } = deps;
  const fail = (method: SecondFactorMethod, reason: string): Outcome => ({ ok: false, method, reason });

  async function checkTotp(userId: number, code: string): Promise<Outcome> {
    const factor = await factors.findTotp(userId);
    if (!factor?.confirmed) return fail('totp', 'not-enabled');
    let secret: string;
    try {
      secret = vault.open(userId, factor.sealedSecret);
    } catch (error) {
      // Recovery codes still work; the operator must learn that AUTH_SECRET changed.
      logger.error({ err: error, userId }, 'cannot unseal an authenticator secret: was AUTH_SECRET changed?');
      return fail('totp', 'unreadable-secret');
    }
    const now = epochSeconds(clock);
    const step = matchingStep(secret, code, now, factor.lastStep);
    if (step === undefined) return fail('totp', matchingStep(secret, code, now, null) === undefined ? 'wrong-code' : 'replay');
    // Atomic: of two requests with one code, only the first moves the step on.
    return (await factors.advanceStep(userId, step)) ? { ok: true, method: 'totp' } : fail('totp', 'replay');
  }

  async function checkRecoveryCode(userId: number, input: string): Promise<Outcome> {
    const code = normalizeRecoveryCode(input);
    if (code === undefined) return fail('recovery_code', 'malformed');
    const used = await factors.useRecoveryCode(userId, hashRecoveryCode(userId, code), new Date(clock.now()));
    return used ? { ok: true, method: 'recovery_code' } : fail('recovery_code', 'wrong-or-used');
  }

  async function holdBack(username: string, ip: string | undefined): Promise<void> {
    const wait = await throttle.retryAfter(username, ip);
    if (wait === undefined) return;
    throw new AppError('SIGNIN_THROTTLED', `Too many wrong codes for this account. Try again in ${secondsText(wait)}.`, {
      headers: { 'Retry-After': String(wait) },
    });
  }

  return {
    async prove(account, input, context) {
      await holdBack(account.username, context.ip);
      const totpCode = normalizeTotpCode(input);
      const outcome = totpCode === undefined ? await checkRecoveryCode(account.id, input) : await checkTotp(account.id, totpCode);
      const event = { targetId: account.id, username: account.username, context };
      if (outcome.ok) {
        if (outcome.method === 'recovery_code') {
          const left = (await factors.counts([account.id])).get(account.id)?.recoveryCodesLeft ?? 0;
          await audit.record({ type: 'mfa.recovery_code_used', ...event, details: { left } });
        }
        return { userId: account.id, amr: [AMR.otp] };
      }
      const wait = await throttle.failed(account.username);
      await audit.record({ type: 'mfa.failure', ...event, details: { method: outcome.method, reason: outcome.reason } });
      if (wait !== undefined) await audit.record({ type: 'signin.throttled', ...event, details: { wait } });
      throw new AppError('MFA_CODE_INVALID');
    },
  };
}

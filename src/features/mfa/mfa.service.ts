import QRCode from 'qrcode';
import { AppError } from '../../lib/errors.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog, AuditType } from '../audit/audit.service.js';
import type { PasswordCredential } from '../credentials/password.credential.js';
import type { SecondFactorCredential } from '../credentials/second-factor.credential.js';
import type { SecondFactors } from '../credentials/second-factors.js';
import type { UserRecord, UserService } from '../users/user.service.js';

/*
 * The caller's own second factors: set up an authenticator app, turn it off, renew the
 * recovery codes. Secrets and recovery codes appear only in the answer to the request that
 * made them (never in GET /api/users/me, the audit trail or the logs), so no other session,
 * and nobody reading the audit, learns them.
 */

export interface TotpSetup {
  /** Base32, for typing into an app that cannot scan. */
  secret: string;
  otpauthUrl: string;
  /** The otpauth:// URL as a QR code: a PNG data URL. */
  qrCode: string;
}

export interface MfaService {
  /** A pending authenticator, until confirmed; 409 MFA_ALREADY_ENABLED when one is on. */
  startTotp(userId: number, context: RequestContext): Promise<TotpSetup>;
  /** Turns the authenticator on with its first code; the 10 recovery codes, shown once. */
  confirmTotp(userId: number, code: string, context: RequestContext): Promise<{ recoveryCodes: string[] }>;
  /** Turns the authenticator off (the recovery codes go too): the password and a code are required. */
  disableTotp(userId: number, proof: { password: string; code: string }, context: RequestContext): Promise<void>;
  /** A new set of recovery codes for a code; the old set stops working. */
  replaceRecoveryCodes(userId: number, code: string, context: RequestContext): Promise<{ recoveryCodes: string[] }>;
}

export interface MfaServiceDeps {
  users: UserService;
  password: PasswordCredential;
  secondFactor: SecondFactorCredential;
  secondFactors: SecondFactors;
  audit: AuditLog;
}

export function createMfaService({ users, password, secondFactor, secondFactors, audit }: MfaServiceDeps): MfaService {
  /** The caller's account; a token whose account is gone or disabled is no longer valid. */
  async function account(userId: number): Promise<UserRecord> {
    const user = await users.findById(userId);
    if (!user || user.disabled) throw new AppError('TOKEN_INVALID');
    return user;
  }

  async function withFactor(userId: number): Promise<UserRecord> {
    const user = await account(userId);
    if (!(await secondFactors.status(user.id)).totp) throw new AppError('MFA_NOT_ENABLED');
    return user;
  }

  const record = (type: AuditType, user: UserRecord, context: RequestContext) =>
    audit.record({ type, actorId: user.id, targetId: user.id, username: user.username, context });

  return {
    async startTotp(userId, context) {
      const user = await account(userId);
      const { secret, otpauthUrl } = await secondFactors.beginTotp(user);
      const qrCode = await QRCode.toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
      await record('mfa.totp_setup_started', user, context);
      return { secret, otpauthUrl, qrCode };
    },

    async confirmTotp(userId, code, context) {
      const user = await account(userId);
      const recoveryCodes = await secondFactors.confirmTotp(user.id, code);
      await record('mfa.totp_enabled', user, context);
      return { recoveryCodes };
    },

    async disableTotp(userId, proof, context) {
      const user = await withFactor(userId);
      await password.confirm(user, proof.password, context, 'password');
      await secondFactor.prove(user, proof.code, context);
      await secondFactors.removeTotp(user.id);
      await record('mfa.totp_disabled', user, context);
    },

    async replaceRecoveryCodes(userId, code, context) {
      const user = await withFactor(userId);
      await secondFactor.prove(user, code, context);
      const recoveryCodes = await secondFactors.replaceRecoveryCodes(user.id);
      await record('mfa.recovery_codes_replaced', user, context);
      return { recoveryCodes };
    },
  };
}

import type { MfaStatus } from '../credentials/second-factors.js';
import type { UserRecord } from './user-record.js';

/** A user as the API shows it: never the password hash, never a second factor's secret. */
export interface UserView {
  id: number;
  username: string;
  email: string;
  emailVerified: boolean;
  roles: string[];
  disabled: boolean;
  createdAt: Date;
  mfa: MfaStatus;
}

export function toUserView(user: UserRecord, mfa: MfaStatus): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    roles: user.roles,
    disabled: user.disabled,
    createdAt: user.createdAt,
    mfa,
  };
}

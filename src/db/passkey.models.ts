import { DataTypes, Model, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/* Passkeys (WebAuthn credentials) and the challenges of their ceremonies (migration 0010). */

/** A user's passkey: the credential's public key and what is checked at each use. */
export class PasskeyRow extends Model<InferAttributes<PasskeyRow>, InferCreationAttributes<PasskeyRow>> {
  /** The API's id: random, not the WebAuthn credential id. */
  declare id: string;
  declare userId: number;
  /** The WebAuthn credential id, base64url (up to 1023 bytes, so too long for a unique index). */
  declare credentialId: string;
  /** SHA-256 (hex) of credentialId: the unique index, across all users. */
  declare credentialHash: string;
  /** The COSE public key, base64url. */
  declare publicKey: string;
  /** The signature counter last seen (BIGINT: some drivers answer a string). */
  declare counter: number | string;
  /** The transports the browser reported, comma-separated ("internal,hybrid"). */
  declare transports: string | null;
  declare name: string;
  declare createdAt: Date;
  declare lastUsedAt: Date | null;
}

/** A registration or authentication ceremony waiting for the browser's answer. */
export class WebauthnChallengeRow extends Model<InferAttributes<WebauthnChallengeRow>, InferCreationAttributes<WebauthnChallengeRow>> {
  declare id: string;
  /** 'register' | 'signin' | 'mfa'. */
  declare purpose: string;
  /** SHA-256 (hex) of the challenge sent to the browser. */
  declare challengeHash: string;
  /** The registering user, or the user of the mfaToken; null for a passwordless signin. */
  declare userId: number | null;
  /** The id of the mfaToken a second-factor challenge belongs to. */
  declare mfaChallengeId: string | null;
  declare expiresAt: Date;
  declare createdAt: Date;
}

export function definePasskeyModels(sequelize: Sequelize): {
  Passkey: typeof PasskeyRow;
  WebauthnChallenge: typeof WebauthnChallengeRow;
} {
  class Passkey extends PasskeyRow {}
  Passkey.init(
    {
      id: { type: DataTypes.STRING(32), primaryKey: true },
      userId: { type: DataTypes.INTEGER, allowNull: false },
      credentialId: { type: DataTypes.TEXT, allowNull: false },
      credentialHash: { type: DataTypes.STRING(64), allowNull: false },
      publicKey: { type: DataTypes.TEXT, allowNull: false },
      counter: { type: DataTypes.BIGINT, allowNull: false },
      transports: DataTypes.STRING(255),
      name: { type: DataTypes.STRING(255), allowNull: false },
      createdAt: DataTypes.DATE(3),
      lastUsedAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'passkeys', modelName: 'passkey', timestamps: false },
  );
  class WebauthnChallenge extends WebauthnChallengeRow {}
  WebauthnChallenge.init(
    {
      id: { type: DataTypes.STRING(32), primaryKey: true },
      purpose: { type: DataTypes.STRING(16), allowNull: false },
      challengeHash: { type: DataTypes.STRING(64), allowNull: false },
      userId: DataTypes.INTEGER,
      mfaChallengeId: DataTypes.STRING(32),
      expiresAt: DataTypes.DATE(3),
      createdAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'webauthn_challenges', modelName: 'webauthnChallenge', timestamps: false },
  );
  return { Passkey, WebauthnChallenge };
}

import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/* The mail outbox and the single-use links of the email flows (migration 0006). */

export class EmailTokenRow extends Model<InferAttributes<EmailTokenRow>, InferCreationAttributes<EmailTokenRow>> {
  /** SHA-256 of the token; the token itself is only in the mail. */
  declare tokenHash: string;
  declare userId: number;
  declare purpose: string;
  declare email: string;
  declare createdAt: Date;
  declare expiresAt: Date;
  declare usedAt: CreationOptional<Date | null>;
}

export class MailOutboxRow extends Model<InferAttributes<MailOutboxRow>, InferCreationAttributes<MailOutboxRow>> {
  declare id: CreationOptional<number>;
  declare purpose: string;
  declare recipient: string;
  declare recipientKey: string;
  declare userId: number | null;
  /** JSON text. */
  declare payload: string | null;
  declare status: string;
  declare attempts: CreationOptional<number>;
  declare nextAttemptAt: Date;
  declare claimedBy: CreationOptional<string | null>;
  declare claimedUntil: CreationOptional<Date | null>;
  declare lastError: CreationOptional<string | null>;
  declare createdAt: Date;
  declare finishedAt: CreationOptional<Date | null>;
}

export function defineMailModels(sequelize: Sequelize): { EmailToken: typeof EmailTokenRow; MailOutbox: typeof MailOutboxRow } {
  class EmailToken extends EmailTokenRow {}
  EmailToken.init(
    {
      tokenHash: { type: DataTypes.STRING(64), primaryKey: true },
      userId: { type: DataTypes.INTEGER, allowNull: false },
      purpose: { type: DataTypes.STRING(16), allowNull: false },
      email: { type: DataTypes.STRING(255), allowNull: false },
      createdAt: DataTypes.DATE(3),
      expiresAt: DataTypes.DATE(3),
      usedAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'email_tokens', modelName: 'emailToken', timestamps: false },
  );
  class MailOutbox extends MailOutboxRow {}
  MailOutbox.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      purpose: { type: DataTypes.STRING(32), allowNull: false },
      recipient: { type: DataTypes.STRING(255), allowNull: false },
      recipientKey: { type: DataTypes.STRING(255), allowNull: false },
      userId: DataTypes.INTEGER,
      payload: DataTypes.TEXT,
      status: { type: DataTypes.STRING(16), allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      nextAttemptAt: DataTypes.DATE(3),
      claimedBy: DataTypes.STRING(64),
      claimedUntil: DataTypes.DATE(3),
      lastError: DataTypes.STRING(255),
      createdAt: DataTypes.DATE(3),
      finishedAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'mail_outbox', modelName: 'mailOutbox', timestamps: false },
  );
  return { EmailToken, MailOutbox };
}

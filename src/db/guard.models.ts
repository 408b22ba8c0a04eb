import { DataTypes, Model, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/**
 * A guard row: transactions that must not run side by side (say, two that each remove an
 * administrator) all update the same row first. A row lock serializes them on one server, and
 * on Galera, where SELECT … FOR UPDATE locks only the local node, the second to commit fails
 * certification (its write set touches the same row) and is retried.
 */
export class GuardRow extends Model<InferAttributes<GuardRow>, InferCreationAttributes<GuardRow>> {
  declare name: string;
  declare version: number;
}

export function defineGuardModels(sequelize: Sequelize): { Guard: typeof GuardRow } {
  class Guard extends GuardRow {}
  Guard.init(
    {
      name: { type: DataTypes.STRING(64), primaryKey: true },
      version: { type: DataTypes.INTEGER, allowNull: false },
    },
    { sequelize, tableName: 'tokengate_guards', modelName: 'guard', timestamps: false },
  );
  return { Guard };
}

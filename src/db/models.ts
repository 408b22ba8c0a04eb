import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type NonAttribute,
  type Sequelize,
} from 'sequelize';

/*
 * The tutorial's tables keep their names and columns (`users`, `roles`, `user_roles`,
 * camelCase `createdAt`/`updatedAt`), so that a database created by the tutorial's server can
 * be adopted in place. Only repository files use these models; the schema itself is owned by
 * the migrations in ./migrations, never by sync().
 */

export class UserRow extends Model<InferAttributes<UserRow>, InferCreationAttributes<UserRow>> {
  declare id: CreationOptional<number>;
  declare username: string | null;
  declare email: string | null;
  /** A password hash: argon2id, or a tutorial-era bcrypt hash until its owner signs in. */
  declare password: string | null;
  declare usernameNormalized: string | null;
  declare emailNormalized: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare roles?: NonAttribute<RoleRow[]>;
}

export class RoleRow extends Model<InferAttributes<RoleRow>, InferCreationAttributes<RoleRow>> {
  declare id: number;
  declare name: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class UserRoleRow extends Model<InferAttributes<UserRoleRow>, InferCreationAttributes<UserRoleRow>> {
  declare userId: number;
  declare roleId: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export interface Models {
  User: typeof UserRow;
  Role: typeof RoleRow;
  UserRole: typeof UserRoleRow;
}

export function defineModels(sequelize: Sequelize): Models {
  // Each Sequelize instance needs its own model classes (tests run several apps in one process).
  class User extends UserRow {}
  class Role extends RoleRow {}
  class UserRole extends UserRoleRow {}

  User.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      username: { type: DataTypes.STRING },
      email: { type: DataTypes.STRING },
      password: { type: DataTypes.STRING },
      usernameNormalized: { type: DataTypes.STRING },
      emailNormalized: { type: DataTypes.STRING },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'users', modelName: 'user' },
  );
  Role.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      name: { type: DataTypes.STRING, allowNull: false },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'roles', modelName: 'role' },
  );
  UserRole.init(
    {
      userId: { type: DataTypes.INTEGER, primaryKey: true },
      roleId: { type: DataTypes.INTEGER, primaryKey: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'user_roles', modelName: 'userRole' },
  );
  User.belongsToMany(Role, { through: UserRole, foreignKey: 'userId', otherKey: 'roleId', as: 'roles' });
  Role.belongsToMany(User, { through: UserRole, foreignKey: 'roleId', otherKey: 'userId', as: 'users' });

  return { User, Role, UserRole };
}

import bcrypt from 'bcryptjs';
import { DataTypes, Sequelize } from 'sequelize';

/*
 * A database left behind by the tutorial's own server: its models, created with its
 * `sequelize.sync()`, its three roles, and users whose passwords are bcrypt cost-8 hashes.
 */

export interface TutorialUser {
  username: string;
  email: string;
  password: string;
  roles: Array<'user' | 'moderator' | 'admin'>;
  /** The bcrypt variant in the stored hash; the tutorial's bcryptjs 2 wrote $2a$. */
  variant?: '2a' | '2b' | '2y';
}

const ROLE_IDS = { user: 1, moderator: 2, admin: 3 } as const;

export function tutorialSequelize(url: string): Sequelize {
  if (url.startsWith('sqlite:')) {
    return new Sequelize({ dialect: 'sqlite', storage: url.slice('sqlite:'.length), logging: false });
  }
  return new Sequelize(url.replace(/^mariadb:/, 'mysql:'), { logging: false });
}

export async function buildTutorialDatabase(url: string, users: TutorialUser[]): Promise<void> {
  const sequelize = tutorialSequelize(url);
  try {
    const User = sequelize.define('users', {
      username: { type: DataTypes.STRING },
      email: { type: DataTypes.STRING },
      password: { type: DataTypes.STRING },
    });
    const Role = sequelize.define('roles', {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      name: { type: DataTypes.STRING },
    });
    Role.belongsToMany(User, { through: 'user_roles' });
    User.belongsToMany(Role, { through: 'user_roles' });
    await sequelize.sync();
    await Role.bulkCreate(Object.entries(ROLE_IDS).map(([name, id]) => ({ id, name })));
    for (const user of users) {
      const hash = bcrypt.hashSync(user.password, 8).replace(/^\$2[aby]\$/, `$${user.variant ?? '2a'}$`);
      const row = await User.create({ username: user.username, email: user.email, password: hash });
      const withRoles = row as unknown as { setRoles(ids: number[]): Promise<unknown> };
      await withRoles.setRoles(user.roles.map((r) => ROLE_IDS[r]));
    }
  } finally {
    await sequelize.close();
  }
}

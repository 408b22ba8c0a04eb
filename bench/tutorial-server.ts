/*
 * The reference: a server that behaves as the tutorial Tokengate replaces (../shared/seeds/ and
 * its refresh-token follow-up), written for the bench from that description. It is deliberately
 * "tutorial-style", because its costs are what the bench compares against:
 * - Express with cors, the JSON and urlencoded body parsers and the Access-Control-Allow-Headers
 *   middleware on every request;
 * - `jsonwebtoken.verify` (HS256, a string secret) on every protected request, no cache;
 * - `/api/test/mod` and `/api/test/admin` load the user by primary key, then its roles
 *   through the join table: two queries per check;
 * - signup and signin with bcryptjs at cost 8, synchronously on the event loop;
 * - signin stores a refresh token row (a UUID and its expiry); refresh looks the row up, reads
 *   its user and signs a new access token, returning the same refresh token (no rotation).
 * Sequelize models with `sync()`, a pool of 5, on DATABASE_URL (sqlite:, mysql://, mariadb://,
 * postgres://). PORT from the environment. Not a part of Tokengate: nothing in src/ imports it.
 */
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import jwt from 'jsonwebtoken';
import { DataTypes, Model, Sequelize } from 'sequelize';

const SECRET = process.env.TUTORIAL_SECRET ?? 'tutorial-reference-secret';
const ACCESS_SECONDS = 3600;
const REFRESH_SECONDS = 86400;

function connect(url: string): Sequelize {
  const options = { logging: false, pool: { max: 5, min: 0, acquire: 30000, idle: 10000 } } as const;
  if (url.startsWith('sqlite:')) return new Sequelize({ ...options, dialect: 'sqlite', storage: url.slice('sqlite:'.length) });
  return new Sequelize(url.replace(/^mariadb:/, 'mysql:'), options);
}

const sequelize = connect(process.env.DATABASE_URL ?? 'sqlite::memory:');

class User extends Model {
  declare id: number;
  declare username: string;
  declare email: string;
  declare password: string;
  declare getRoles: () => Promise<Role[]>;
  declare setRoles: (roles: Role[] | number[]) => Promise<void>;
}
class Role extends Model {
  declare id: number;
  declare name: string;
}
class RefreshToken extends Model {
  declare token: string;
  declare expiryDate: Date;
  declare userId: number;
  declare getUser: () => Promise<User | null>;
}

User.init({ username: DataTypes.STRING, email: DataTypes.STRING, password: DataTypes.STRING }, { sequelize, tableName: 'users' });
Role.init({ id: { type: DataTypes.INTEGER, primaryKey: true }, name: DataTypes.STRING }, { sequelize, tableName: 'roles' });
RefreshToken.init({ token: DataTypes.STRING, expiryDate: DataTypes.DATE }, { sequelize, tableName: 'refreshTokens' });
Role.belongsToMany(User, { through: 'user_roles' });
User.belongsToMany(Role, { through: 'user_roles' });
RefreshToken.belongsTo(User, { foreignKey: 'userId', targetKey: 'id' });
User.hasOne(RefreshToken, { foreignKey: 'userId', sourceKey: 'id' });

const ROLES = ['user', 'moderator', 'admin'];

const app = express();
app.use(cors({ origin: 'http://localhost:8081' }));
app.use(express.json());
app.use(express.urlencoded({ extended: true }));
app.use((_req, res, next) => {
  res.header('Access-Control-Allow-Headers', 'x-access-token, Origin, Content-Type, Accept');
  next();
});

type Handler = (req: Request, res: Response, next: NextFunction) => void;
const fail = (res: Response) => (err: unknown) => res.status(500).send({ message: (err as Error).message });

const verifyToken: Handler = (req, res, next) => {
  const token = req.headers['x-access-token'];
  if (typeof token !== 'string') {
    res.status(403).send({ message: 'No token provided!' });
    return;
  }
  jwt.verify(token, SECRET, (err, decoded) => {
    if (err) {
      res.status(401).send({ message: err instanceof jwt.TokenExpiredError ? 'Unauthorized! Access Token was expired!' : 'Unauthorized!' });
      return;
    }
    res.locals.userId = (decoded as { id: number }).id;
    next();
  });
};

const requireRole =
  (role: string): Handler =>
  (_req, res, next) => {
    User.findByPk(res.locals.userId as number)
      .then(async (user) => {
        const roles = user ? await user.getRoles() : [];
        if (roles.some((r) => r.name === role)) next();
        else res.status(403).send({ message: `Require ${role[0]!.toUpperCase()}${role.slice(1)} Role!` });
      })
      .catch(fail(res));
  };

function accessToken(userId: number): string {
  return jwt.sign({ id: userId }, SECRET, { algorithm: 'HS256', expiresIn: ACCESS_SECONDS });
}

app.post('/api/auth/signup', (req, res) => {
  const { username, email, password, roles } = req.body as { username: string; email: string; password: string; roles?: string[] };
  User.findOne({ where: { username } })
    .then(async (existing) => {
      if (existing) {
        res.status(400).send({ message: 'Failed! Username is already in use!' });
        return;
      }
      const user = await User.create({ username, email, password: bcrypt.hashSync(password, 8) });
      const wanted = roles?.length ? await Role.findAll({ where: { name: roles } }) : [1];
      await user.setRoles(wanted);
      res.send({ message: 'User registered successfully!' });
    })
    .catch(fail(res));
});

app.post('/api/auth/signin', (req, res) => {
  const { username, password } = req.body as { username: string; password: string };
  User.findOne({ where: { username } })
    .then(async (user) => {
      if (!user) {
        res.status(404).send({ message: 'User Not found.' });
        return;
      }
      if (!bcrypt.compareSync(password, user.password)) {
        res.status(401).send({ accessToken: null, message: 'Invalid Password!' });
        return;
      }
      const refresh = await RefreshToken.create({ token: randomUUID(), userId: user.id, expiryDate: new Date(Date.now() + REFRESH_SECONDS * 1000) });
      const roles = await user.getRoles();
      res.status(200).send({
        id: user.id,
        username: user.username,
        email: user.email,
        roles: roles.map((r) => `ROLE_${r.name.toUpperCase()}`),
        accessToken: accessToken(user.id),
        refreshToken: refresh.token,
      });
    })
    .catch(fail(res));
});

app.post('/api/auth/refreshtoken', (req, res) => {
  const { refreshToken: requested } = (req.body ?? {}) as { refreshToken?: string };
  if (!requested) {
    res.status(403).json({ message: 'Refresh Token is required!' });
    return;
  }
  RefreshToken.findOne({ where: { token: requested } })
    .then(async (row) => {
      if (!row) {
        res.status(403).json({ message: 'Refresh token is not in database!' });
        return;
      }
      if (row.expiryDate.getTime() < Date.now()) {
        await RefreshToken.destroy({ where: { token: row.token } });
        res.status(403).json({ message: 'Refresh token was expired. Please make a new signin request' });
        return;
      }
      const user = await row.getUser();
      res.status(200).json({ accessToken: accessToken(user!.id), refreshToken: row.token });
    })
    .catch(fail(res));
});

app.get('/api/test/all', (_req, res) => {
  res.status(200).send('Public Content.');
});
app.get('/api/test/user', verifyToken, (_req, res) => {
  res.status(200).send('User Content.');
});
app.get('/api/test/mod', verifyToken, requireRole('moderator'), (_req, res) => {
  res.status(200).send('Moderator Content.');
});
app.get('/api/test/admin', verifyToken, requireRole('admin'), (_req, res) => {
  res.status(200).send('Admin Content.');
});

await sequelize.sync();
for (const [index, name] of ROLES.entries()) await Role.findOrCreate({ where: { id: index + 1 }, defaults: { name } });

const server = app.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  process.stdout.write(`tutorial reference listening on port ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

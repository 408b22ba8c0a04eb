import { z } from 'zod';
import { count, setting, text, type Setting } from '../setting.js';

/** Where Tokengate listens and keeps its data. */
export const serverSettings = {
  PORT: setting({
    schema: count(0, 65535),
    default: '8080',
    description: 'HTTP port.',
  }),
  HOST: setting({ schema: text, shown: 'all interfaces', description: 'Address to listen on.' }),
  NODE_ENV: setting({
    schema: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }),
    default: 'development',
    description: '`production` makes a missing or weak `AUTH_SECRET` (or `JWT_SECRET` with HS256) fatal.',
  }),
  DATABASE_URL: setting({
    schema: text,
    shown: '`sqlite:./data/tokengate.sqlite`',
    description:
      '`sqlite:<path>`, `mysql://user:pass@host:3306/db`, `mariadb://…` (same driver, mysql2), `postgres://user:pass@host:5432/db`.',
  }),
  DATA_DIR: setting({
    schema: text,
    default: './data',
    description: 'Where the default SQLite file and the generated development secret live.',
  }),
} as const satisfies Record<string, Setting>;

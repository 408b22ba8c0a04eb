import { UniqueConstraintError } from 'sequelize';
import type { Database } from '../../db/database.js';

export interface StoredKey {
  kid: string;
  generation: number;
  alg: string;
  publicJwk: string;
  privateKey: string;
  createdAt: Date;
  activatesAt: Date;
}

export interface KeyRepository {
  /** Every stored key, oldest generation first. */
  list(): Promise<StoredKey[]>;
  /** Inserts a key; false when another instance already took this generation. */
  insert(key: StoredKey): Promise<boolean>;
  remove(kids: readonly string[]): Promise<void>;
}

export function createKeyRepository(db: Database): KeyRepository {
  const { SigningKey } = db.models;
  return {
    async list() {
      const rows = await SigningKey.findAll({ order: [['generation', 'ASC']], raw: true });
      return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt), activatesAt: new Date(r.activatesAt) }));
    },

    async insert(key) {
      try {
        await SigningKey.create(key);
        return true;
      } catch (error) {
        if (error instanceof UniqueConstraintError) return false;
        throw error;
      }
    },

    async remove(kids) {
      if (kids.length === 0) return;
      const p = db.params();
      await SigningKey.destroy(p.options({ where: { kid: p.in(kids) } }));
    },
  };
}

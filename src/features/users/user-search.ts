import { Op, type Order, type WhereOptions } from 'sequelize';
import type { BoundParams, Database } from '../../db/database.js';
import { emailKey, usernameKey } from '../../lib/identity.js';
import { rolesInclude, toRecord, type UserRecord } from './user-record.js';

/* The administrators' user list: search, filters, sort and pages, with bound parameters. */

export const USER_SORT_FIELDS = ['id', 'username', 'email', 'createdAt'] as const;
export type UserSortField = (typeof USER_SORT_FIELDS)[number];

export interface UserQuery {
  /** Substring of the username or the email, matched literally and without case. */
  search?: string | undefined;
  role?: string | undefined;
  disabled?: boolean | undefined;
  sort: { field: UserSortField; descending: boolean };
  offset: number;
  limit: number;
}

function filters(db: Database, query: UserQuery, p: BoundParams): WhereOptions {
  const { sequelize } = db;
  const q = (identifier: string) => sequelize.getQueryInterface().quoteIdentifier(identifier);
  const conditions: WhereOptions[] = [];
  // A literal substring test: unlike LIKE, no character of the input is a wildcard.
  const contains = (column: string, text: string) =>
    sequelize.where(sequelize.fn(db.dialect === 'postgres' ? 'strpos' : 'instr', sequelize.col(column), p.ref(text)), Op.gt, 0);
  if (query.search) {
    conditions.push({
      [Op.or]: [contains('usernameNormalized', usernameKey(query.search)), contains('emailNormalized', emailKey(query.search))],
    });
  }
  if (query.role !== undefined) {
    const holders = sequelize.literal(
      `(SELECT ur.${q('userId')} FROM ${q('user_roles')} ur JOIN ${q('roles')} r ON r.${q('id')} = ur.${q('roleId')} ` +
        `WHERE r.${q('name')} = ${p.placeholder(query.role)})`,
    );
    conditions.push({ id: { [Op.in]: holders } });
  }
  if (query.disabled !== undefined) conditions.push({ disabled: p.eq(query.disabled) });
  return { [Op.and]: conditions };
}

/** One page of the users matching the query, with their roles, and how many match in all. */
export function createUserSearch(db: Database): (query: UserQuery) => Promise<{ items: UserRecord[]; total: number }> {
  const { User } = db.models;
  const withRoles = rolesInclude(db);
  return async (query) => {
    const p = db.params();
    const order: Order = [
      [query.sort.field, query.sort.descending ? 'DESC' : 'ASC'],
      ['id', query.sort.descending ? 'DESC' : 'ASC'],
    ];
    const { rows, count: total } = await User.findAndCountAll(
      p.options({ where: filters(db, query, p), order, offset: query.offset, limit: query.limit }),
    );
    const ids = rows.map((r) => r.id);
    const r = db.params();
    const withTheirRoles = ids.length ? await User.findAll(r.options({ where: { id: r.in(ids) }, include: [withRoles] })) : [];
    const byId = new Map(withTheirRoles.map((row) => [row.id, toRecord(row)]));
    return { items: ids.map((id) => byId.get(id)).filter((u): u is UserRecord => u !== undefined), total };
  };
}

import type { QueryInterface } from 'sequelize';

/*
 * The query interface that migrations get: addColumn and addIndex do nothing when the column or
 * the named index is there already. A down keeps the tables and columns that hold data (see
 * holdings.ts); applying its up again then finds them, with their indexes, and keeps them.
 * createTable is CREATE TABLE IF NOT EXISTS in every dialect already.
 */
export function tolerantQueryInterface(qi: QueryInterface): QueryInterface {
  const addColumn: QueryInterface['addColumn'] = async (table, column, attributes, options) => {
    const columns = await qi.describeTable(table);
    if (column in columns) return;
    await qi.addColumn(table, column, attributes, options);
  };
  const addIndex = (async (table: string, ...rest: unknown[]) => {
    const options = (Array.isArray(rest[0]) ? rest[1] : rest[0]) as { name?: string } | undefined;
    if (options?.name) {
      const indexes = (await qi.showIndex(table)) as { name: string }[];
      if (indexes.some((index) => index.name === options.name)) return;
    }
    return (qi.addIndex as (...args: unknown[]) => Promise<void>).call(qi, table, ...rest);
  }) as QueryInterface['addIndex'];
  return new Proxy(qi, {
    get(target, property, receiver) {
      if (property === 'addColumn') return addColumn;
      if (property === 'addIndex') return addIndex;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

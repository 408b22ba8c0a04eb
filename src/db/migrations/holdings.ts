import { QueryTypes } from 'sequelize';
import type { Holding, Migration, MigrationContext } from './migration.js';

/*
 * What a migration's down would delete. Without `drop`, a table that holds rows (or a column that
 * holds values worth keeping) is left in place: its migration's up, applied again, finds it and
 * keeps it (createTable is CREATE TABLE IF NOT EXISTS; see tolerantQueryInterface).
 */

export interface HoldingCount {
  holding: Holding;
  rows: number;
}

/** How many rows each holding of `migration` has now; only those with rows. */
export async function countHoldings(ctx: MigrationContext, migration: Migration): Promise<HoldingCount[]> {
  const counts: HoldingCount[] = [];
  for (const holding of migration.holds ?? []) {
    const rows = await countHolding(ctx, holding);
    if (rows > 0) counts.push({ holding, rows });
  }
  return counts;
}

async function countHolding(ctx: MigrationContext, holding: Holding): Promise<number> {
  const qi = ctx.queryInterface;
  if (!(await qi.tableExists(holding.table))) return 0;
  const q = (name: string) => qi.quoteIdentifier(name);
  let where = '';
  if (holding.column) {
    const columns = await qi.describeTable(holding.table);
    if (!(holding.column in columns)) return 0;
    where =
      holding.equals === undefined ? ` WHERE ${q(holding.column)} IS NOT NULL` : ` WHERE ${q(holding.column)} = :value`;
  }
  const [row] = await ctx.sequelize.query<{ n: number | string }>(`SELECT COUNT(*) AS ${q('n')} FROM ${q(holding.table)}${where}`, {
    type: QueryTypes.SELECT,
    replacements: { value: holding.equals ?? null },
  });
  return Number(row?.n ?? 0);
}

/** Drops each holding of `migration` (in order), except those with rows when `ctx.drop` is false. */
export async function dropHoldings(ctx: MigrationContext, migration: Migration): Promise<void> {
  const qi = ctx.queryInterface;
  for (const holding of migration.holds ?? []) {
    const rows = await countHolding(ctx, holding);
    if (rows > 0 && !ctx.drop) {
      ctx.logger.info({ table: holding.table, column: holding.column, rows }, `kept ${describeHolding(holding)}`);
      continue;
    }
    if (!(await qi.tableExists(holding.table))) continue;
    if (holding.column) {
      if (!(holding.column in (await qi.describeTable(holding.table)))) continue;
      // Plain DROP COLUMN: Sequelize's SQLite emulation rebuilds the table, which would cascade.
      await ctx.sequelize.query(`ALTER TABLE ${qi.quoteIdentifier(holding.table)} DROP COLUMN ${qi.quoteIdentifier(holding.column)}`);
    } else {
      await qi.dropTable(holding.table);
    }
  }
}

export function describeHolding(holding: Holding): string {
  return holding.column ? `${holding.table}.${holding.column} (${holding.what})` : `table ${holding.table} (${holding.what})`;
}

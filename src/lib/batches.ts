/*
 * Purges delete in batches of this many rows, so that no statement holds locks on a large
 * table for long (and Galera never certifies one huge write set).
 */
export const PURGE_BATCH = 500;

/** Runs `batch` (one bounded delete, answering how many rows it removed) until it removes none; the total. */
export async function purgeInBatches(batch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (let n = await batch(PURGE_BATCH); n > 0; n = await batch(PURGE_BATCH)) total += n;
  return total;
}

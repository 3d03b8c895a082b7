/** D1 binds at most 100 parameters per statement in production (local SQLite allows far more). */
export const D1_MAX_PARAMS = 100;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new RangeError(`chunk size must be positive, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** How many rows of `columns` bound values fit in one statement. */
export function rowsPerStatement(columns: number): number {
  return Math.max(1, Math.floor(D1_MAX_PARAMS / columns));
}

/** Runs `select` over `ids` in chunks that keep the IN list under D1's parameter limit. */
export async function selectInChunks<T>(
  ids: readonly string[],
  select: (part: string[]) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (const part of chunk([...new Set(ids)], D1_MAX_PARAMS - 10)) out.push(...(await select(part)));
  return out;
}

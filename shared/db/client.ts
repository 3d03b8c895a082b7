import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** Built per request or per run from the binding; never held at module scope. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof createDb>;

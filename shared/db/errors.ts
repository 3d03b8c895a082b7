/** D1's answer to a write that breaks a UNIQUE key (drizzle wraps it: the message may be on a cause). */
export function isUniqueViolation(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (/UNIQUE constraint failed/.test(e.message)) return true;
  return false;
}

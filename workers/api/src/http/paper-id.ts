import { parseArxivId } from "#shared/papers/records";
import { badRequest } from "../errors";

/** What an arXiv id looks like, for every message that refuses one. */
export const ARXIV_ID_HINT = "new ones look like 2606.00467, old ones like astro-ph/0601001";

/** An arXiv id from a path, a form or a query, in any form people paste, or the 400 that says what one looks like. */
export function paperIdFrom(raw: string): { id: string; version: number | null } {
  const parsed = parseArxivId(raw);
  if (!parsed) throw badRequest("invalid_id", `that is not an arXiv id: ${ARXIV_ID_HINT}`);
  return parsed;
}

import { ingestHfDaily } from "../support/catalog";

export { type EdgePaper, insertPapers } from "../support/catalog";
export { get, ORIGIN, request } from "../support/request";

/** Fills the database through the production ingest path with the real 2026-06-12 capture. */
export const ingestRealCapture = () => ingestHfDaily();

// The worker the tests run in: the API worker, plus the ingest worker's RPC entrypoint, so that
// the INGEST and SITE service bindings resolve inside the same test runtime and database.
export { default, SiteEntrypoint } from "../../workers/api/src/index";
export { IngestEntrypoint } from "../../workers/ingest/src/index";

// The worker the tests run in: the API worker, plus the ingest worker's RPC entrypoint so that
// the API's INGEST service binding resolves inside the same test runtime and database.
export { default } from "../../workers/api/src/index";
export { IngestEntrypoint } from "../../workers/ingest/src/index";

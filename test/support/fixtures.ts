// The real upstream captures (test/fixtures/upstream, provenance in its PROVENANCE.md).

export { default as atomLegacyIdList } from "../fixtures/upstream/arxiv/api_legacy_id_list_1111.2011v2.xml?raw";
export { default as atomLegacySearch } from "../fixtures/upstream/arxiv/api_legacy_search_au_del_maestro.xml?raw";
export { default as atomTransformer } from "../fixtures/upstream/arxiv/api_query_transformer_cs.LG_2026-06-14.xml?raw";
export { default as atomZeroResults } from "../fixtures/upstream/arxiv/api_recorded/id_0000.0000_s0_m100_8b51d9633a68.body.xml?raw";
export { default as atomTwoIds } from "../fixtures/upstream/arxiv/api_recorded/id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.body.xml?raw";
export { default as atomOneId } from "../fixtures/upstream/arxiv/api_recorded/id_1605.08386_s0_m100_199195aa31ad.body.xml?raw";
export { default as atomErrorEntry } from "../fixtures/upstream/arxiv/api_recorded/id_abc_s0_m100_b79c8dcf6bc3.body.xml?raw";
export { default as atomOldStyleId } from "../fixtures/upstream/arxiv/api_recorded/id_astro-ph_0601001_s0_m100_3150dca9dc76.body.xml?raw";
export { default as atomSearchPage } from "../fixtures/upstream/arxiv/api_recorded/q_testing_s0_m10_bc5a6c384fe9.body.xml?raw";
export { default as rssAI } from "../fixtures/upstream/arxiv/rss_cs.AI_2026-04-27.xml?raw";
export { default as rssCL } from "../fixtures/upstream/arxiv/rss_cs.CL_2026-04-27.xml?raw";
export { default as rssLG } from "../fixtures/upstream/arxiv/rss_cs.LG_2026-04-27.xml?raw";
export { default as hfDaily2024 } from "../fixtures/upstream/hf/daily_papers_2024-10-25_old_schema_excerpt.json?raw";
export { default as hfDaily2026 } from "../fixtures/upstream/hf/daily_papers_2026-06-12.json?raw";

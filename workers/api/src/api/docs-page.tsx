import { Hono } from "hono";
import { setCache } from "../cache/cache-policy";
import { type AppEnv, readConfig } from "../env";
import { RATE_LIMIT_PERIOD_S, RATE_LIMIT_REQUESTS } from "../http/client-limit";
import { apiDocument } from "../http/openapi";
import { readOnlyCors } from "../http/read-only-cors";
import { Layout } from "../ui/layout";

/** /docs/api: the OpenAPI document as a readable page in the site's frame, no client JavaScript. */
export const apiDocsRoutes = new Hono<AppEnv>();
apiDocsRoutes.use("*", readOnlyCors);

type Param = {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  example?: unknown;
  schema: Record<string, unknown>;
};
type Operation = {
  summary: string;
  description?: string;
  parameters?: Param[];
  responses: Record<string, { description: string }>;
};

const EXAMPLES: Record<string, string> = {
  "/api/daily_papers": "/api/daily_papers?date=2026-06-12&limit=5",
  "/api/papers/search": "/api/papers/search?q=diffusion&limit=5",
  "/api/papers/{id}": "/api/papers/2606.00467",
  "/api/authors/{name}": "/api/authors/Yann%20LeCun",
  "/feeds/search.rss": "/feeds/search.rss?q=diffusion",
  "/feeds/search.atom": "/feeds/search.atom?q=diffusion",
  "/feeds/search.json": "/feeds/search.json?q=diffusion",
  "/data/{file}": "/data/2026-06.jsonl",
};

function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return (schema.enum as string[]).join(" | ");
  const parts = [String(schema.type ?? "string")];
  if (schema.minimum !== undefined || schema.maximum !== undefined)
    parts.push(`${schema.minimum ?? ""}..${schema.maximum ?? ""}`);
  if (schema.default !== undefined) parts.push(`default ${schema.default}`);
  return parts.join(", ");
}

apiDocsRoutes.get("/api", (c) => {
  const site = readConfig(c.env).SITE_URL;
  const doc = apiDocument(site);
  setCache(c, "static");
  const paths = Object.entries(doc.paths) as [string, { get: Operation }][];
  return c.html(
    <Layout
      title="API"
      description="Paperboy's Hugging Face-compatible JSON API and feeds"
      canonical={`${site}/docs/api`}
    >
      <h1>Paperboy API</h1>
      <p>{doc.info.description}</p>
      <p>
        Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Errors are JSON{" "}
        <code>{'{"error": "...", "code": "..."}'}</code> with a 4xx status. Each client may make {RATE_LIMIT_REQUESTS}{" "}
        requests every {RATE_LIMIT_PERIOD_S} seconds; past that the answer is <code>429</code> with a{" "}
        <code>Retry-After</code> header. Responses carry an <code>ETag</code>: send it back in{" "}
        <code>If-None-Match</code> to get a <code>304</code>.
      </p>
      <h2 id="python">From Python</h2>
      <pre>{`from huggingface_hub import HfApi

api = HfApi(endpoint="${site}")
for paper in api.list_daily_papers(date="2026-06-12", limit=10):
    print(paper.id, paper.upvotes, paper.title)
print(api.paper_info("2606.00467").summary)
print([p.id for p in api.list_papers(query="diffusion")])`}</pre>
      {paths.map(([path, { get: op }]) => (
        <section>
          <h2 id={path}>
            <code>GET {path}</code>
          </h2>
          <p>{op.summary}</p>
          {op.description ? <p>{op.description}</p> : null}
          {op.parameters?.length ? (
            <table>
              <thead>
                <tr>
                  <th>parameter</th>
                  <th>type</th>
                  <th>meaning</th>
                </tr>
              </thead>
              <tbody>
                {op.parameters.map((p) => (
                  <tr>
                    <td>
                      <code>{p.name}</code>
                      {p.required ? " (required)" : ""}
                    </td>
                    <td>{typeOf(p.schema)}</td>
                    <td>{p.description ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <pre>{`curl -i '${site}${EXAMPLES[path] ?? path}'`}</pre>
          <p>
            Answers:{" "}
            {Object.entries(op.responses)
              .map(([status, r]) => `${status} ${r.description}`)
              .join("; ")}
            .
          </p>
        </section>
      ))}
    </Layout>,
  );
});

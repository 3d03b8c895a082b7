import type { Child } from "hono/jsx";
import type { IngestRunRow, mailDeadLetters } from "#shared/db/schema";
import { INGEST_SOURCES } from "#shared/db/schema";
import { todayUtc } from "#shared/domain/periods";
import type { ListedPaper } from "#shared/papers/queries";
import { INDEX_STEPS, type IndexCoverage } from "#shared/papers/term-index";
import { plural } from "#shared/papers/text";
import { EMBED_CHUNK, type vectorCoverage } from "#shared/vectors/paper-vectors";
import type { allSwitches } from "#shared/vectors/query-arm";
import type { AuditEntry } from "../curators/audit";
import { utcTime } from "../ui/components";
import { Layout } from "../ui/layout";

/** The curators' pages: plain forms, no script, private (the routes send `private, no-store`). */

function AdminPage(props: { title: string; children: Child }) {
  return (
    <Layout title={`${props.title} · Curators`} nav={null}>
      <nav class="admin" aria-label="Curators">
        <a href="/admin">Curators' desk</a> · <a href="/admin/ingest-runs">Ingest runs</a> ·{" "}
        <a href="/admin/dead-letters">Dead letters</a>
      </nav>
      <h1>{props.title}</h1>
      {props.children}
    </Layout>
  );
}

const json = (v: unknown) => (v === null || v === undefined ? "—" : JSON.stringify(v));

/**
 * Who acted: the handle the row recorded then, and the account, which a rename or an erasure that
 * frees the handle does not change (so "@x" never comes to mean whoever holds "x" now).
 */
function Actor({ entry: e }: { entry: AuditEntry }) {
  if (!e.actorAccountId) return <>{e.actor}</>;
  const now = !e.actorNow
    ? ", account erased"
    : e.actorNow.handle && `@${e.actorNow.handle}` !== e.actor
      ? `, now @${e.actorNow.handle}`
      : "";
  return (
    <>
      {e.actor} <small>{`(account ${e.actorAccountId}${now})`}</small>
    </>
  );
}

/** A table of the curators' desk: a caption for screen readers, one header row, the rows. */
function AdminTable(props: { caption: string; columns: string[]; children: Child }) {
  return (
    <table class="admin">
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th scope="col">{c}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  if (!entries.length) return <p>No curator actions yet.</p>;
  return (
    <AdminTable caption="Audit log, newest first" columns={["When (UTC)", "Who", "What", "Target", "Before", "After"]}>
      {entries.map((e) => (
        <tr>
          <td>{utcTime(e.at, "second")}</td>
          <td>
            <Actor entry={e} />
          </td>
          <td>{e.action}</td>
          <td>{e.target.includes(":") ? e.target : <a href={`/admin/papers/${e.target}`}>{e.target}</a>}</td>
          <td>
            <code>{json(e.before)}</code>
          </td>
          <td>
            <code>{json(e.after)}</code>
          </td>
        </tr>
      ))}
    </AdminTable>
  );
}

type Coverage = Awaited<ReturnType<typeof vectorCoverage>>;

/** Vectors per space: how many papers have one, how many wait, and the last run that embedded. */
export function VectorCoverage({ coverage }: { coverage: Coverage }) {
  if (!coverage.spaces.length)
    return (
      <p>
        No vectors yet: production embeds papers with Workers AI once its bindings are deployed; without them, a local
        model learnt from the catalog does (the hourly cron learns one, or the button below).
      </p>
    );
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Space (model@dimensions)</th>
          <th scope="col">With a vector</th>
          <th scope="col">Without</th>
          <th scope="col">State</th>
          <th scope="col">Last run</th>
        </tr>
      </thead>
      <tbody>
        {coverage.spaces.map((s) => (
          <tr>
            <td>{s.space}</td>
            <td>{s.withVector}</td>
            <td>{Math.max(0, coverage.papers - s.withVector)}</td>
            <td>{s.space === coverage.active ? "answers" : s.completedAt ? "complete, replaced" : "filling"}</td>
            <td>
              {s.lastRunAt
                ? `${utcTime(s.lastRunAt)} UTC: ${s.lastRunEmbedded ?? 0} embedded${s.lastRunError ? `; stopped: ${s.lastRunError}` : ""}`
                : "none"}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The search's term index: papers held and waiting, live segments per level, a merge under way. */
function SearchIndex({ index }: { index: IndexCoverage }) {
  const levels = index.live.map((l) => `level ${l.level}: ${plural(l.segments, "segment")}, ${l.papers} papers`);
  return (
    <>
      <p>
        {`${index.indexed} papers indexed, ${index.waiting} waiting (searched on FTS5 meanwhile). `}
        {levels.length ? `Live segments: ${levels.join("; ")}.` : "No segment yet: search ranks on FTS5 alone."}
        {index.building ? ` Merging ${index.building.papers} papers into level ${index.building.level}.` : ""}
        {index.retired ? ` ${plural(index.retired, "merged segment")} to sweep.` : ""}
      </p>
      <form method="post" action="/admin/search/index">
        <p>
          <button type="submit">{`Run ${INDEX_STEPS} steps of the index`}</button> (each ingest run does this for its
          papers)
        </p>
      </form>
    </>
  );
}

type Switches = Awaited<ReturnType<typeof allSwitches>>;

/** Each switch, its state, who flipped it last, and a button that flips it. */
function SwitchList({ switches }: { switches: Switches }) {
  return (
    <ul>
      {switches.map((s) => (
        <li>
          <form method="post" action={`/admin/switches/${s.name}`}>
            <strong>{`${s.name}: ${s.on ? "on" : "off"}`}</strong>
            {` (${s.about}${s.changedAt ? ` Last flipped by ${s.changedBy} at ${s.changedAt}.` : ""}) `}
            <input type="hidden" name="on" value={s.on ? "false" : "true"} />
            <button type="submit">{s.on ? `Switch ${s.name} off` : `Switch ${s.name} on`}</button>
          </form>
        </li>
      ))}
    </ul>
  );
}

export function Dashboard({
  actor,
  audit,
  coverage,
  switches,
  index,
  local,
}: {
  actor: string;
  audit: AuditEntry[];
  coverage: Coverage;
  switches: Switches;
  index: IndexCoverage;
  /** Whether the local default makes the vectors here (no Workers AI). */
  local: boolean;
}) {
  return (
    <AdminPage title="Curators' desk">
      <p>{`Signed in as ${actor}. Every action here is recorded below, with what it changed.`}</p>
      <form method="get" action="/admin/papers">
        <p>
          <label for="id">Curate a paper (arXiv id or address)</label>{" "}
          <input id="id" name="id" required maxlength={300} /> <button type="submit">Open</button>
        </p>
      </form>
      <h2>Vectors</h2>
      <VectorCoverage coverage={coverage} />
      <form method="post" action="/admin/vectors/backfill">
        <p>
          <button type="submit">{`Embed the next ${EMBED_CHUNK} papers that wait`}</button>
        </p>
      </form>
      {local && (
        <form method="post" action="/admin/vectors/train">
          <p>
            <button type="submit">Learn a new local model from the catalog</button> (its space fills by the backfill,
            then answers)
          </p>
        </form>
      )}
      <h2>Search index</h2>
      <SearchIndex index={index} />
      <h2>Switches</h2>
      <SwitchList switches={switches} />
      <h2>Audit log</h2>
      <AuditTable entries={audit} />
    </AdminPage>
  );
}

type ThreadRow = {
  id: string;
  body: string;
  createdAt: string;
  deletedAt: string | null;
  hiddenAt: string | null;
  handle: string | null;
};

export function CommentsTable({ thread }: { thread: ThreadRow[] }) {
  if (!thread.length) return <p>No comments on Paperboy.</p>;
  return (
    <ul class="admin-comments">
      {thread.map((t) => (
        <li id={`comment-${t.id}`}>
          <p class="meta">{`${t.handle ? `@${t.handle}` : "erased account"}, ${utcTime(t.createdAt)} UTC${t.deletedAt ? " · deleted by its author" : ""}${t.hiddenAt ? " · hidden" : ""}`}</p>
          <blockquote>{t.deletedAt ? "[deleted]" : t.body}</blockquote>
          <form method="post" action={`/admin/comments/${t.id}/${t.hiddenAt ? "show" : "hide"}`}>
            <button type="submit">{t.hiddenAt ? "Show this comment" : "Hide this comment"}</button>
          </form>
        </li>
      ))}
    </ul>
  );
}

export function PaperCuration(props: { item: ListedPaper; thread: ThreadRow[]; audit: AuditEntry[] }) {
  const { paper, entry } = props.item;
  const base = `/admin/papers/${paper.id}`;
  return (
    <AdminPage title={paper.title}>
      <p>
        arXiv {paper.id} · <a href={`/papers/${paper.id}`}>its public page</a>
        {paper.hiddenAt ? ` · hidden since ${utcTime(paper.hiddenAt)} UTC` : ""}
      </p>
      <h2>Featured</h2>
      {entry ? (
        <form method="post" action={`${base}/unfeature`}>
          <p>
            {`Featured on ${entry.day} (${entry.source}).`} <button type="submit">Unfeature</button>
          </p>
        </form>
      ) : (
        <form method="post" action={`${base}/feature`}>
          <p>
            <label for="day">Feature on</label> <input id="day" name="day" type="date" required value={todayUtc()} />{" "}
            <button type="submit">Feature</button>
          </p>
        </form>
      )}
      <h2>Visibility</h2>
      <form method="post" action={`${base}/${paper.hiddenAt ? "show" : "hide"}`}>
        <p>
          {paper.hiddenAt ? "Hidden from every page, feed, search, the API and digests." : "Shown everywhere."}{" "}
          <button type="submit">{paper.hiddenAt ? "Show the paper again" : "Hide the paper"}</button>
        </p>
      </form>
      <h2>Links</h2>
      <form method="post" action={`${base}/links`}>
        <p>
          <label for="codeUrl">Code</label>{" "}
          <input id="codeUrl" name="codeUrl" type="url" value={paper.codeUrl ?? ""} maxlength={2000} />
        </p>
        <p>
          <label for="projectUrl">Project page</label>{" "}
          <input id="projectUrl" name="projectUrl" type="url" value={paper.projectUrl ?? ""} maxlength={2000} />
        </p>
        <p>
          <button type="submit">Save links</button>{" "}
          {paper.linksCuratedAt
            ? "Set by a curator: the daily feed no longer changes them."
            : "From the daily feed until a curator saves them."}
        </p>
      </form>
      <h2>Comments</h2>
      <CommentsTable thread={props.thread} />
      <h2>Audit log of this paper</h2>
      <AuditTable entries={props.audit} />
    </AdminPage>
  );
}

export function IngestRunsPage({ runs }: { runs: IngestRunRow[] }) {
  return (
    <AdminPage title="Ingest runs">
      <form method="post" action="/admin/ingest">
        <p>
          <label for="source">Run an ingest now</label>{" "}
          <select id="source" name="source">
            {INGEST_SOURCES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>{" "}
          <label for="date">day (optional)</label> <input id="date" name="date" type="date" />{" "}
          <button type="submit">Run</button>
        </p>
      </form>
      <AdminTable
        caption="The latest ingest runs, newest first"
        columns={[
          "Started (UTC)",
          "Source",
          "Target",
          "Status",
          "Read · new · changed · moved · skipped",
          "Vectors: embedded · waiting",
          "Error",
        ]}
      >
        {runs.map((r) => (
          <tr class={r.status === "failed" ? "failed" : undefined}>
            <td>{utcTime(r.startedAt, "second")}</td>
            <td>{r.source}</td>
            <td>{r.target ?? "—"}</td>
            <td>{r.status}</td>
            <td>{`${r.read} · ${r.inserted} · ${r.updated} · ${r.moved} · ${r.skipped}`}</td>
            <td>{r.embedded === null ? "off" : `${r.embedded} · ${r.embedWaiting ?? "?"}`}</td>
            <td>{[r.error, r.embedError && `vectors: ${r.embedError}`].filter(Boolean).join("; ")}</td>
          </tr>
        ))}
      </AdminTable>
    </AdminPage>
  );
}

export function DeadLettersPage({ letters }: { letters: (typeof mailDeadLetters.$inferSelect)[] }) {
  return (
    <AdminPage title="Dead letters">
      <p>{`${letters.length} mail message(s) ran out of retries or were refused, and wait for a re-drive.`}</p>
      {letters.length ? (
        <form method="post" action="/admin/dead-letters/redrive">
          <button type="submit">Re-drive all</button>
        </form>
      ) : null}
      <AdminTable
        caption="Pending dead letters, oldest first"
        columns={["Recorded (UTC)", "Source", "Message", "Attempts", "Last error"]}
      >
        {letters.map((l) => (
          <tr>
            <td>{utcTime(l.createdAt, "second")}</td>
            <td>{l.source}</td>
            <td>
              <code>{l.body}</code>
            </td>
            <td>{l.attempts}</td>
            <td>{l.error}</td>
          </tr>
        ))}
      </AdminTable>
    </AdminPage>
  );
}

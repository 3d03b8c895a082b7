CREATE TABLE `line_revisions` (
	`paper_id` text PRIMARY KEY NOT NULL,
	`rev` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `line_revisions_rev_idx` ON `line_revisions` (`rev`);--> statement-breakpoint
-- Hand-written (drizzle cannot declare triggers). A featured paper's line in the open data shows
-- columns of papers and daily_entries and a count of comments: every write to one of them takes
-- the next revision (the greatest so far, plus one, on line_revisions_rev_idx) for that paper's
-- line, in the statement that writes. A month file's ETag is then its line count and its greatest
-- revision (data-queries.ts says why that misses no change). Triggers, not the code's writes, so
-- that no writer (ingest, curators, votes through their own triggers, renames, erasure) can forget.
CREATE TRIGGER line_rev_paper AFTER UPDATE ON papers
WHEN EXISTS (SELECT 1 FROM daily_entries WHERE paper_id = new.id) BEGIN
  INSERT INTO line_revisions (paper_id, rev) VALUES (new.id, (SELECT coalesce(max(rev), 0) + 1 FROM line_revisions))
    ON CONFLICT (paper_id) DO UPDATE SET rev = excluded.rev;
END;
--> statement-breakpoint
CREATE TRIGGER line_rev_entry_insert AFTER INSERT ON daily_entries BEGIN
  INSERT INTO line_revisions (paper_id, rev) VALUES (new.paper_id, (SELECT coalesce(max(rev), 0) + 1 FROM line_revisions))
    ON CONFLICT (paper_id) DO UPDATE SET rev = excluded.rev;
END;
--> statement-breakpoint
CREATE TRIGGER line_rev_entry_update AFTER UPDATE ON daily_entries BEGIN
  INSERT INTO line_revisions (paper_id, rev) VALUES (new.paper_id, (SELECT coalesce(max(rev), 0) + 1 FROM line_revisions))
    ON CONFLICT (paper_id) DO UPDATE SET rev = excluded.rev;
END;
--> statement-breakpoint
CREATE TRIGGER line_rev_comment_insert AFTER INSERT ON comments
WHEN EXISTS (SELECT 1 FROM daily_entries WHERE paper_id = new.paper_id) BEGIN
  INSERT INTO line_revisions (paper_id, rev) VALUES (new.paper_id, (SELECT coalesce(max(rev), 0) + 1 FROM line_revisions))
    ON CONFLICT (paper_id) DO UPDATE SET rev = excluded.rev;
END;
--> statement-breakpoint
CREATE TRIGGER line_rev_comment_update AFTER UPDATE ON comments
WHEN EXISTS (SELECT 1 FROM daily_entries WHERE paper_id = new.paper_id) BEGIN
  INSERT INTO line_revisions (paper_id, rev) VALUES (new.paper_id, (SELECT coalesce(max(rev), 0) + 1 FROM line_revisions))
    ON CONFLICT (paper_id) DO UPDATE SET rev = excluded.rev;
END;
--> statement-breakpoint
CREATE TRIGGER line_rev_comment_delete AFTER DELETE ON comments
WHEN EXISTS (SELECT 1 FROM daily_entries WHERE paper_id = old.paper_id) BEGIN
  INSERT INTO line_revisions (paper_id, rev) VALUES (old.paper_id, (SELECT coalesce(max(rev), 0) + 1 FROM line_revisions))
    ON CONFLICT (paper_id) DO UPDATE SET rev = excluded.rev;
END;

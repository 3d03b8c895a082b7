-- Full-text index over title, authors and abstract (hand-written: drizzle cannot declare virtual
-- tables). External content: the text lives once, in papers; these triggers keep the index in step.
-- authors is the JSON array as stored; the tokenizer drops its brackets and quotes.
CREATE VIRTUAL TABLE papers_fts USING fts5(
  title, authors, abstract,
  content='papers', content_rowid='num',
  tokenize='porter unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
  INSERT INTO papers_fts(rowid, title, authors, abstract) VALUES (new.num, new.title, new.authors, new.abstract);
END;
--> statement-breakpoint
CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, authors, abstract) VALUES ('delete', old.num, old.title, old.authors, old.abstract);
END;
--> statement-breakpoint
CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, authors, abstract ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, authors, abstract) VALUES ('delete', old.num, old.title, old.authors, old.abstract);
  INSERT INTO papers_fts(rowid, title, authors, abstract) VALUES (new.num, new.title, new.authors, new.abstract);
END;

CREATE TABLE `paper_vectors` (
	`space` text NOT NULL,
	`paper_id` text NOT NULL,
	`embedded_at` text NOT NULL,
	PRIMARY KEY(`space`, `paper_id`),
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `vector_spaces` (
	`space` text PRIMARY KEY NOT NULL,
	`started_at` text NOT NULL,
	`completed_at` text,
	`last_run_at` text,
	`last_run_embedded` integer,
	`last_run_error` text
);
--> statement-breakpoint
ALTER TABLE `ingest_runs` ADD `embedded` integer;--> statement-breakpoint
ALTER TABLE `ingest_runs` ADD `embed_waiting` integer;--> statement-breakpoint
ALTER TABLE `ingest_runs` ADD `embed_error` text;--> statement-breakpoint
-- A paper whose title or abstract changes waits for a new vector in every space (shared/vectors).
CREATE TRIGGER `paper_vectors_text_changed` AFTER UPDATE OF `title`, `abstract` ON `papers`
WHEN old.`title` IS NOT new.`title` OR old.`abstract` IS NOT new.`abstract`
BEGIN
	DELETE FROM `paper_vectors` WHERE `paper_id` = new.`id`;
END;

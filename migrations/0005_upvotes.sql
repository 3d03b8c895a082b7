CREATE TABLE `upvotes` (
	`account_id` text NOT NULL,
	`paper_id` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`account_id`, `paper_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `upvotes_paper_idx` ON `upvotes` (`paper_id`);--> statement-breakpoint
CREATE INDEX `upvotes_account_created_idx` ON `upvotes` (`account_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `papers` ADD `local_upvotes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-written (drizzle cannot declare triggers): papers.local_upvotes follows the rows of upvotes,
-- in the statement that adds or removes the row, so that concurrent votes cannot lose an update
-- and an account's erasure (ON DELETE CASCADE) takes its votes out of the counts at once.
CREATE TRIGGER upvotes_count_insert AFTER INSERT ON upvotes BEGIN
  UPDATE papers SET local_upvotes = local_upvotes + 1 WHERE id = new.paper_id;
END;
--> statement-breakpoint
CREATE TRIGGER upvotes_count_delete AFTER DELETE ON upvotes BEGIN
  UPDATE papers SET local_upvotes = local_upvotes - 1 WHERE id = old.paper_id;
END;

CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`before` text,
	`after` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `comments` (
	`id` text PRIMARY KEY NOT NULL,
	`paper_id` text NOT NULL,
	`account_id` text,
	`parent_id` text,
	`body` text NOT NULL,
	`created_at` text NOT NULL,
	`edited_at` text,
	`deleted_at` text,
	`hidden_at` text,
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`parent_id`) REFERENCES `comments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `comments_paper_idx` ON `comments` (`paper_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `comments_account_idx` ON `comments` (`account_id`,`created_at`);--> statement-breakpoint
-- Hand-corrected: drizzle-kit drops the ON DELETE action from an added column's reference.
ALTER TABLE `daily_entries` ADD `submitter_account_id` text REFERENCES accounts(id) ON DELETE SET NULL;--> statement-breakpoint
CREATE INDEX `daily_entries_submitter_idx` ON `daily_entries` (`submitter_account_id`,`day`);--> statement-breakpoint
ALTER TABLE `papers` ADD `hidden_at` text;
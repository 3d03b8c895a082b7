CREATE TABLE `follows` (
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`label` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`account_id`, `kind`, `key`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `not_for_me` (
	`account_id` text NOT NULL,
	`paper_id` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`account_id`, `paper_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `not_for_me_account_idx` ON `not_for_me` (`account_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `reader_rankings` (
	`account_id` text PRIMARY KEY NOT NULL,
	`inputs` integer NOT NULL,
	`newest` text NOT NULL,
	`space` text NOT NULL,
	`built_at` text NOT NULL,
	`ranking` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `accounts` ADD `feed_key` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `reader_inputs` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_feed_key_unique` ON `accounts` (`feed_key`);--> statement-breakpoint
ALTER TABLE `subscribers` ADD `ranked_for_me` integer DEFAULT false NOT NULL;
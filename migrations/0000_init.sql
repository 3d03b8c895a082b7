CREATE TABLE `announcements` (
	`day` text NOT NULL,
	`paper_id` text NOT NULL,
	`category` text NOT NULL,
	`type` text NOT NULL,
	PRIMARY KEY(`day`, `paper_id`),
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `announcements_paper_idx` ON `announcements` (`paper_id`);--> statement-breakpoint
CREATE TABLE `daily_entries` (
	`paper_id` text PRIMARY KEY NOT NULL,
	`day` text NOT NULL,
	`source` text NOT NULL,
	`submitter_name` text,
	`submitter_fullname` text,
	`submitter_avatar_url` text,
	`upstream_upvotes` integer DEFAULT 0 NOT NULL,
	`num_comments` integer DEFAULT 0 NOT NULL,
	`thumbnail` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `daily_entries_day_idx` ON `daily_entries` (`day`,`upstream_upvotes`);--> statement-breakpoint
CREATE TABLE `ingest_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`target` text,
	`started_at` text NOT NULL,
	`finished_at` text,
	`status` text NOT NULL,
	`read` integer DEFAULT 0 NOT NULL,
	`inserted` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `ingest_runs_source_idx` ON `ingest_runs` (`source`,`started_at`);--> statement-breakpoint
CREATE TABLE `papers` (
	`num` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`version` integer NOT NULL,
	`title` text NOT NULL,
	`abstract` text NOT NULL,
	`authors` text NOT NULL,
	`categories` text NOT NULL,
	`primary_category` text,
	`published` text NOT NULL,
	`updated` text NOT NULL,
	`comment` text,
	`journal_ref` text,
	`doi` text,
	`code_url` text,
	`github_stars` integer,
	`project_url` text,
	`ai_summary` text,
	`ai_keywords` text,
	`withdrawn_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`changed_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `papers_id_unique` ON `papers` (`id`);--> statement-breakpoint
CREATE INDEX `papers_published_idx` ON `papers` (`published`);
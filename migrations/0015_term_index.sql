CREATE TABLE `term_lists` (
	`term` text NOT NULL,
	`segment` integer NOT NULL,
	`df` integer NOT NULL,
	`postings` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `term_lists_term` ON `term_lists` (`term`,`segment`);--> statement-breakpoint
CREATE INDEX `term_lists_segment` ON `term_lists` (`segment`,`term`);--> statement-breakpoint
CREATE TABLE `term_segments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`level` integer NOT NULL,
	`first_num` integer NOT NULL,
	`last_num` integer NOT NULL,
	`papers` integer NOT NULL,
	`state` text NOT NULL,
	`sources` text,
	`cursor` text,
	`created_at` text NOT NULL
);

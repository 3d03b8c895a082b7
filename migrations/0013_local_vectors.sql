-- Written by drizzle-kit, then WITHOUT ROWID added by hand to local_model_terms and local_vectors
-- (drizzle's schema cannot say it): rows lie in primary-key order, so a model's terms and a
-- cluster's vectors are read as ranges (shared/vectors/local-index.ts).
CREATE TABLE `local_model_terms` (
	`space` text NOT NULL,
	`term` text NOT NULL,
	`idf` real NOT NULL,
	`scale` real NOT NULL,
	`vector` text NOT NULL,
	PRIMARY KEY(`space`, `term`),
	FOREIGN KEY (`space`) REFERENCES `local_models`(`space`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `local_models` (
	`space` text PRIMARY KEY NOT NULL,
	`dimensions` integer NOT NULL,
	`terms` integer NOT NULL,
	`sample` integer NOT NULL,
	`catalog` integer NOT NULL,
	`centroids` text NOT NULL,
	`clusters` integer NOT NULL,
	`trained_at` text NOT NULL,
	`ready_at` text
);
--> statement-breakpoint
CREATE TABLE `local_vectors` (
	`space` text NOT NULL,
	`paper_id` text NOT NULL,
	`cluster` integer NOT NULL,
	`probes` text NOT NULL,
	`scale` real NOT NULL,
	`vector` text NOT NULL,
	`day` text,
	`month` text NOT NULL,
	`category` text NOT NULL,
	PRIMARY KEY(`space`, `cluster`, `paper_id`),
	FOREIGN KEY (`space`) REFERENCES `local_models`(`space`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE UNIQUE INDEX `local_vectors_paper` ON `local_vectors` (`space`,`paper_id`);
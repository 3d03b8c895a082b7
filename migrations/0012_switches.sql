CREATE TABLE `switches` (
	`name` text PRIMARY KEY NOT NULL,
	`on` integer NOT NULL,
	`changed_at` text NOT NULL,
	`changed_by` text NOT NULL
);

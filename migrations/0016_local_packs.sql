-- Written by drizzle-kit, then the last three statements added by hand: the local default's
-- vectors written before packs existed have none, so they are dropped and the backfill embeds them
-- again (about 1,000 papers a second, by the hourly cron or POST /admin/vectors/backfill; the
-- search ranks by words alone and related papers are by words until the space is complete again).
CREATE TABLE `local_packs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`space` text NOT NULL,
	`cluster` integer NOT NULL,
	`papers` integer NOT NULL,
	`ids` text NOT NULL,
	`codes` text NOT NULL,
	FOREIGN KEY (`space`) REFERENCES `local_models`(`space`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `local_packs_cluster` ON `local_packs` (`space`,`cluster`,`id`);
--> statement-breakpoint
DELETE FROM `local_vectors`;
--> statement-breakpoint
DELETE FROM `paper_vectors` WHERE `space` IN (SELECT `space` FROM `local_models`);
--> statement-breakpoint
UPDATE `vector_spaces` SET `completed_at` = NULL WHERE `space` IN (SELECT `space` FROM `local_models`);

CREATE TABLE `mail_dead_letters` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` text NOT NULL,
	`source` text NOT NULL,
	`body` text NOT NULL,
	`subscriber_id` text,
	`period` text,
	`error` text NOT NULL,
	`attempts` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`redriven_at` text
);
--> statement-breakpoint
CREATE INDEX `mail_dead_letters_pending_idx` ON `mail_dead_letters` (`redriven_at`,`id`);
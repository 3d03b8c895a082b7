ALTER TABLE `audit_log` ADD `actor_account_id` text;--> statement-breakpoint
-- Hand-written: rows written before this column named their curator by handle only. Give each the
-- account that holds that handle now, which is what the log showed until now, unless that account
-- was created after the action (then it cannot have acted: the handle changed hands, most likely
-- through an erasure); such rows, and the admin token's, keep a null id.
UPDATE `audit_log` SET `actor_account_id` = (
  SELECT `accounts`.`id` FROM `accounts`
  WHERE '@' || `accounts`.`handle` = `audit_log`.`actor` AND `accounts`.`created_at` <= `audit_log`.`at`
) WHERE `actor` LIKE '@%' AND `actor_account_id` IS NULL;

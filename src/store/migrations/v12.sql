-- Version 12: a renamed account, or one given another owner, has its triage keys computed again,
-- and a change of a setting the refresh reads is recorded as pending (see schema.sql). Accounts renamed before it may be queued under their old keys: those whose
-- keys differ from their name and owner (as SQLite folds case: a name beyond ASCII is taken up
-- too) are recorded as pending, which the opening that migrates takes up.
CREATE TRIGGER account_label_changed_update AFTER UPDATE OF name, owner ON account
WHEN OLD.name IS NOT NEW.name OR OLD.owner IS NOT NEW.owner
BEGIN
    INSERT INTO refresh_touch SELECT 'account_label', coalesce(max(period), '0000-00') FROM account_month;
    INSERT INTO refresh_touch_account VALUES (NEW.account_id);
END;
CREATE TEMP VIEW stale_label AS
SELECT r.account_id FROM triage_rank r JOIN account a ON a.account_id = r.account_id
WHERE r.name_key IS NOT lower(a.name) OR r.owner_key IS NOT lower(coalesce(a.owner, ''));
INSERT INTO refresh_touch SELECT 'account_label', (SELECT max(period) FROM account_month)
WHERE EXISTS (SELECT 1 FROM stale_label);
INSERT INTO refresh_touch_account SELECT account_id FROM stale_label;
DROP VIEW stale_label;

CREATE VIEW setting_read_by_refresh (pattern) AS
VALUES ('hvc_top_mrr_pct'), ('first_period'), ('as_of'), ('sla_first_response_hours.*'),
       ('triage_window_*');
CREATE TRIGGER setting_changed_insert AFTER INSERT ON setting
WHEN EXISTS (SELECT 1 FROM setting_read_by_refresh WHERE NEW.key GLOB pattern)
BEGIN INSERT INTO refresh_touch VALUES ('settings', '0000-00'); END;
CREATE TRIGGER setting_changed_update AFTER UPDATE ON setting
WHEN (OLD.key IS NOT NEW.key OR OLD.value IS NOT NEW.value)
  AND EXISTS (SELECT 1 FROM setting_read_by_refresh WHERE OLD.key GLOB pattern OR NEW.key GLOB pattern)
BEGIN INSERT INTO refresh_touch VALUES ('settings', '0000-00'); END;
CREATE TRIGGER setting_changed_delete AFTER DELETE ON setting
WHEN EXISTS (SELECT 1 FROM setting_read_by_refresh WHERE OLD.key GLOB pattern)
BEGIN INSERT INTO refresh_touch VALUES ('settings', '0000-00'); END;

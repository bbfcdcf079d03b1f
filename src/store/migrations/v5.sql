-- Version 5: the refresh also records which accounts a change reached (refresh_pending_account),
-- so a refresh after tickets, answers, invoices or usage of a few accounts recomputes their tiers
-- and signals alone. Frozen copy of schema.sql's statements at version 5.
--
-- A refresh already pending was recorded without its accounts: make it a full one.
INSERT INTO refresh_touch SELECT 'account', '0000-00' WHERE EXISTS (SELECT 1 FROM refresh_pending);
DROP TRIGGER subscription_changed_insert;
DROP TRIGGER subscription_changed_update;
DROP TRIGGER subscription_changed_delete;
DROP TRIGGER ticket_changed_insert;
DROP TRIGGER ticket_changed_update;
DROP TRIGGER ticket_changed_delete;
DROP TRIGGER survey_response_changed_insert;
DROP TRIGGER survey_response_changed_update;
DROP TRIGGER survey_response_changed_delete;
DROP TRIGGER invoice_changed_insert;
DROP TRIGGER invoice_changed_update;
DROP TRIGGER invoice_changed_delete;
DROP TRIGGER usage_month_changed_insert;
DROP TRIGGER usage_month_changed_update;
DROP TRIGGER usage_month_changed_delete;
DROP TRIGGER churn_event_changed_insert;
DROP TRIGGER churn_event_changed_update;
DROP TRIGGER churn_event_changed_delete;

-- The accounts whose raw rows changed, with how many changes (settled like refresh_pending): a
-- refresh after changes that reach only these accounts' own figures (tickets, answers, invoices,
-- usage) recomputes their tiers and signals alone.
CREATE TABLE refresh_pending_account (
    account_id TEXT PRIMARY KEY,
    touched    INTEGER NOT NULL DEFAULT 1
) STRICT, WITHOUT ROWID;
CREATE VIEW refresh_touch_account (account_id) AS SELECT account_id FROM refresh_pending_account;
CREATE TRIGGER refresh_touch_account_insert INSTEAD OF INSERT ON refresh_touch_account
BEGIN
    INSERT INTO refresh_pending_account (account_id) VALUES (NEW.account_id)
    ON CONFLICT (account_id) DO UPDATE SET touched = touched + 1;
END;

CREATE TRIGGER subscription_changed_insert AFTER INSERT ON subscription
BEGIN
    INSERT INTO refresh_touch VALUES ('subscription', substr(NEW.start_date, 1, 7));
    INSERT INTO refresh_touch_account VALUES (NEW.account_id);
END;
-- A subscription that only ends (or ends at another date) reaches the months from the end on.
CREATE TRIGGER subscription_changed_update AFTER UPDATE ON subscription
BEGIN
    INSERT INTO refresh_touch VALUES ('subscription', CASE
        WHEN OLD.start_date IS NEW.start_date AND OLD.mrr IS NEW.mrr AND OLD.account_id IS NEW.account_id
             AND OLD.ordered_on IS NEW.ordered_on
        THEN substr(min(coalesce(OLD.end_date, '9999-12'), coalesce(NEW.end_date, '9999-12')), 1, 7)
        ELSE min(substr(OLD.start_date, 1, 7), substr(NEW.start_date, 1, 7)) END);
    INSERT INTO refresh_touch_account VALUES (OLD.account_id), (NEW.account_id);
END;
CREATE TRIGGER subscription_changed_delete AFTER DELETE ON subscription
BEGIN
    INSERT INTO refresh_touch VALUES ('subscription', substr(OLD.start_date, 1, 7));
    INSERT INTO refresh_touch_account VALUES (OLD.account_id);
END;
CREATE TRIGGER ticket_changed_insert AFTER INSERT ON ticket
BEGIN
    INSERT INTO refresh_touch VALUES ('ticket', substr(NEW.opened_at, 1, 7));
    INSERT INTO refresh_touch_account VALUES (NEW.account_id);
END;
CREATE TRIGGER ticket_changed_update AFTER UPDATE ON ticket
BEGIN
    INSERT INTO refresh_touch VALUES ('ticket', min(substr(OLD.opened_at, 1, 7), substr(NEW.opened_at, 1, 7)));
    INSERT INTO refresh_touch_account VALUES (OLD.account_id), (NEW.account_id);
END;
CREATE TRIGGER ticket_changed_delete AFTER DELETE ON ticket
BEGIN
    INSERT INTO refresh_touch VALUES ('ticket', substr(OLD.opened_at, 1, 7));
    INSERT INTO refresh_touch_account VALUES (OLD.account_id);
END;
CREATE TRIGGER survey_response_changed_insert AFTER INSERT ON survey_response
BEGIN
    INSERT INTO refresh_touch VALUES ('survey_response', substr(NEW.answered_at, 1, 7));
    INSERT INTO refresh_touch_account VALUES (NEW.account_id);
END;
CREATE TRIGGER survey_response_changed_update AFTER UPDATE ON survey_response
BEGIN
    INSERT INTO refresh_touch VALUES ('survey_response', min(substr(OLD.answered_at, 1, 7), substr(NEW.answered_at, 1, 7)));
    INSERT INTO refresh_touch_account VALUES (OLD.account_id), (NEW.account_id);
END;
CREATE TRIGGER survey_response_changed_delete AFTER DELETE ON survey_response
BEGIN
    INSERT INTO refresh_touch VALUES ('survey_response', substr(OLD.answered_at, 1, 7));
    INSERT INTO refresh_touch_account VALUES (OLD.account_id);
END;
CREATE TRIGGER invoice_changed_insert AFTER INSERT ON invoice
BEGIN
    INSERT INTO refresh_touch VALUES ('invoice', substr(NEW.issued_on, 1, 7));
    INSERT INTO refresh_touch_account VALUES (NEW.account_id);
END;
CREATE TRIGGER invoice_changed_update AFTER UPDATE ON invoice
BEGIN
    INSERT INTO refresh_touch VALUES ('invoice', min(substr(OLD.issued_on, 1, 7), substr(NEW.issued_on, 1, 7)));
    INSERT INTO refresh_touch_account VALUES (OLD.account_id), (NEW.account_id);
END;
CREATE TRIGGER invoice_changed_delete AFTER DELETE ON invoice
BEGIN
    INSERT INTO refresh_touch VALUES ('invoice', substr(OLD.issued_on, 1, 7));
    INSERT INTO refresh_touch_account VALUES (OLD.account_id);
END;
CREATE TRIGGER usage_month_changed_insert AFTER INSERT ON usage_month
BEGIN
    INSERT INTO refresh_touch VALUES ('usage_month', NEW.period);
    INSERT INTO refresh_touch_account VALUES (NEW.account_id);
END;
CREATE TRIGGER usage_month_changed_update AFTER UPDATE ON usage_month
BEGIN
    INSERT INTO refresh_touch VALUES ('usage_month', min(OLD.period, NEW.period));
    INSERT INTO refresh_touch_account VALUES (OLD.account_id), (NEW.account_id);
END;
CREATE TRIGGER usage_month_changed_delete AFTER DELETE ON usage_month
BEGIN
    INSERT INTO refresh_touch VALUES ('usage_month', OLD.period);
    INSERT INTO refresh_touch_account VALUES (OLD.account_id);
END;
CREATE TRIGGER churn_event_changed_insert AFTER INSERT ON churn_event
BEGIN
    INSERT INTO refresh_touch VALUES ('churn_event', substr(NEW.churned_on, 1, 7));
    INSERT INTO refresh_touch_account VALUES (NEW.account_id);
END;
CREATE TRIGGER churn_event_changed_update AFTER UPDATE ON churn_event
BEGIN
    INSERT INTO refresh_touch VALUES ('churn_event', min(substr(OLD.churned_on, 1, 7), substr(NEW.churned_on, 1, 7)));
    INSERT INTO refresh_touch_account VALUES (OLD.account_id), (NEW.account_id);
END;
CREATE TRIGGER churn_event_changed_delete AFTER DELETE ON churn_event
BEGIN
    INSERT INTO refresh_touch VALUES ('churn_event', substr(OLD.churned_on, 1, 7));
    INSERT INTO refresh_touch_account VALUES (OLD.account_id);
END;

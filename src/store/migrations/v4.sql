-- Version 4: surveys declare their scale per journey (survey_scale, else the standard scales);
-- the score is checked against it instead of fixed ranges; survey rollups keep their variance;
-- changes to raw rows are recorded as a pending refresh (refresh_pending, by triggers).
-- Frozen copy of schema.sql's statements at version 4: later versions migrate from here.
CREATE TABLE survey_response_v4 (
    response_id TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    phase_id    INTEGER REFERENCES phase (phase_id) ON DELETE SET NULL,
    answered_at TEXT NOT NULL,
    survey      TEXT NOT NULL CHECK (survey IN ('nps', 'csat', 'ces')),
    score       INTEGER NOT NULL,
    touchpoint  TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO survey_response_v4 SELECT response_id, account_id, phase_id, answered_at, survey, score,
    touchpoint, comment FROM survey_response;
DROP TABLE survey_response;
ALTER TABLE survey_response_v4 RENAME TO survey_response;
CREATE INDEX survey_by_phase ON survey_response (phase_id, survey, answered_at);
CREATE INDEX survey_by_account ON survey_response (account_id, answered_at);
CREATE TABLE survey_scale (
    journey_id   TEXT NOT NULL REFERENCES journey (journey_id) ON DELETE CASCADE,
    survey       TEXT NOT NULL CHECK (survey IN ('nps', 'csat', 'ces')),
    min_score    INTEGER NOT NULL,
    max_score    INTEGER NOT NULL,
    good         TEXT NOT NULL CHECK (good IN ('higher', 'lower')),
    unhappy_from INTEGER NOT NULL,
    unhappy_to   INTEGER NOT NULL,
    happy_from   INTEGER NOT NULL,
    happy_to     INTEGER NOT NULL,
    CHECK (min_score < max_score),
    CHECK (unhappy_from BETWEEN min_score AND unhappy_to AND unhappy_to <= max_score),
    CHECK (happy_from BETWEEN min_score AND happy_to AND happy_to <= max_score),
    PRIMARY KEY (journey_id, survey)
) STRICT, WITHOUT ROWID;
CREATE VIEW survey_standard_scale (survey, min_score, max_score, good, unhappy_from, unhappy_to,
                                   happy_from, happy_to) AS
VALUES ('nps', 0, 10, 'higher', 0, 6, 9, 10),
       ('csat', 1, 5, 'higher', 1, 3, 4, 5),
       ('ces', 1, 7, 'higher', 1, 3, 5, 7);

CREATE VIEW survey_scale_in_force AS
SELECT j.journey_id, d.survey,
       coalesce(s.min_score, d.min_score) AS min_score, coalesce(s.max_score, d.max_score) AS max_score,
       coalesce(s.good, d.good) AS good,
       coalesce(s.unhappy_from, d.unhappy_from) AS unhappy_from, coalesce(s.unhappy_to, d.unhappy_to) AS unhappy_to,
       coalesce(s.happy_from, d.happy_from) AS happy_from, coalesce(s.happy_to, d.happy_to) AS happy_to
FROM journey j CROSS JOIN survey_standard_scale d
LEFT JOIN survey_scale s ON s.journey_id = j.journey_id AND s.survey = d.survey
UNION ALL
SELECT NULL, * FROM survey_standard_scale;

CREATE VIEW survey_answer AS
SELECT r.response_id, r.account_id, r.phase_id, r.answered_at, r.survey, r.score, r.touchpoint,
       r.comment, a.journey_id,
       r.score BETWEEN sc.unhappy_from AND sc.unhappy_to AS unhappy,
       r.score BETWEEN sc.happy_from AND sc.happy_to AS happy
FROM survey_response r
JOIN account a ON a.account_id = r.account_id
JOIN survey_scale_in_force sc ON sc.journey_id IS a.journey_id AND sc.survey = r.survey;

CREATE TRIGGER survey_score_on_scale BEFORE INSERT ON survey_response
WHEN NOT EXISTS (
    SELECT 1 FROM survey_scale_in_force sc
    WHERE sc.journey_id IS (SELECT journey_id FROM account WHERE account_id = NEW.account_id)
      AND sc.survey = NEW.survey AND NEW.score BETWEEN sc.min_score AND sc.max_score)
BEGIN
    SELECT RAISE(ABORT, 'survey score outside the scale of its journey');
END;
ALTER TABLE rollup ADD COLUMN variance REAL;

CREATE TABLE refresh_pending (
    source      TEXT PRIMARY KEY,
    from_period TEXT NOT NULL,
    touched     INTEGER NOT NULL DEFAULT 1
) STRICT, WITHOUT ROWID;

CREATE VIEW refresh_touch (source, from_period) AS SELECT source, from_period FROM refresh_pending;
CREATE TRIGGER refresh_touch_insert INSTEAD OF INSERT ON refresh_touch
BEGIN
    INSERT INTO refresh_pending (source, from_period) VALUES (NEW.source, NEW.from_period)
    ON CONFLICT (source) DO UPDATE SET from_period = min(from_period, excluded.from_period),
                                       touched = touched + 1;
END;

CREATE TRIGGER subscription_changed_insert AFTER INSERT ON subscription
BEGIN INSERT INTO refresh_touch VALUES ('subscription', substr(NEW.start_date, 1, 7)); END;
CREATE TRIGGER subscription_changed_update AFTER UPDATE ON subscription
BEGIN INSERT INTO refresh_touch VALUES ('subscription', CASE
    WHEN OLD.start_date IS NEW.start_date AND OLD.mrr IS NEW.mrr AND OLD.account_id IS NEW.account_id
         AND OLD.ordered_on IS NEW.ordered_on
    THEN substr(min(coalesce(OLD.end_date, '9999-12'), coalesce(NEW.end_date, '9999-12')), 1, 7)
    ELSE min(substr(OLD.start_date, 1, 7), substr(NEW.start_date, 1, 7)) END); END;
CREATE TRIGGER subscription_changed_delete AFTER DELETE ON subscription
BEGIN INSERT INTO refresh_touch VALUES ('subscription', substr(OLD.start_date, 1, 7)); END;
CREATE TRIGGER ticket_changed_insert AFTER INSERT ON ticket
BEGIN INSERT INTO refresh_touch VALUES ('ticket', substr(NEW.opened_at, 1, 7)); END;
CREATE TRIGGER ticket_changed_update AFTER UPDATE ON ticket
BEGIN INSERT INTO refresh_touch VALUES ('ticket', min(substr(OLD.opened_at, 1, 7), substr(NEW.opened_at, 1, 7))); END;
CREATE TRIGGER ticket_changed_delete AFTER DELETE ON ticket
BEGIN INSERT INTO refresh_touch VALUES ('ticket', substr(OLD.opened_at, 1, 7)); END;
CREATE TRIGGER survey_response_changed_insert AFTER INSERT ON survey_response
BEGIN INSERT INTO refresh_touch VALUES ('survey_response', substr(NEW.answered_at, 1, 7)); END;
CREATE TRIGGER survey_response_changed_update AFTER UPDATE ON survey_response
BEGIN INSERT INTO refresh_touch VALUES ('survey_response', min(substr(OLD.answered_at, 1, 7), substr(NEW.answered_at, 1, 7))); END;
CREATE TRIGGER survey_response_changed_delete AFTER DELETE ON survey_response
BEGIN INSERT INTO refresh_touch VALUES ('survey_response', substr(OLD.answered_at, 1, 7)); END;
CREATE TRIGGER invoice_changed_insert AFTER INSERT ON invoice
BEGIN INSERT INTO refresh_touch VALUES ('invoice', substr(NEW.issued_on, 1, 7)); END;
CREATE TRIGGER invoice_changed_update AFTER UPDATE ON invoice
BEGIN INSERT INTO refresh_touch VALUES ('invoice', min(substr(OLD.issued_on, 1, 7), substr(NEW.issued_on, 1, 7))); END;
CREATE TRIGGER invoice_changed_delete AFTER DELETE ON invoice
BEGIN INSERT INTO refresh_touch VALUES ('invoice', substr(OLD.issued_on, 1, 7)); END;
CREATE TRIGGER usage_month_changed_insert AFTER INSERT ON usage_month
BEGIN INSERT INTO refresh_touch VALUES ('usage_month', NEW.period); END;
CREATE TRIGGER usage_month_changed_update AFTER UPDATE ON usage_month
BEGIN INSERT INTO refresh_touch VALUES ('usage_month', min(OLD.period, NEW.period)); END;
CREATE TRIGGER usage_month_changed_delete AFTER DELETE ON usage_month
BEGIN INSERT INTO refresh_touch VALUES ('usage_month', OLD.period); END;
CREATE TRIGGER churn_event_changed_insert AFTER INSERT ON churn_event
BEGIN INSERT INTO refresh_touch VALUES ('churn_event', substr(NEW.churned_on, 1, 7)); END;
CREATE TRIGGER churn_event_changed_update AFTER UPDATE ON churn_event
BEGIN INSERT INTO refresh_touch VALUES ('churn_event', min(substr(OLD.churned_on, 1, 7), substr(NEW.churned_on, 1, 7))); END;
CREATE TRIGGER churn_event_changed_delete AFTER DELETE ON churn_event
BEGIN INSERT INTO refresh_touch VALUES ('churn_event', substr(OLD.churned_on, 1, 7)); END;
CREATE TRIGGER metric_value_changed_insert AFTER INSERT ON metric_value
BEGIN INSERT INTO refresh_touch VALUES ('metric_value', NEW.period); END;
CREATE TRIGGER metric_value_changed_update AFTER UPDATE ON metric_value
BEGIN INSERT INTO refresh_touch VALUES ('metric_value', min(OLD.period, NEW.period)); END;
CREATE TRIGGER metric_value_changed_delete AFTER DELETE ON metric_value
BEGIN INSERT INTO refresh_touch VALUES ('metric_value', OLD.period); END;
CREATE TRIGGER account_changed_update AFTER UPDATE OF journey_id, company_size, industry ON account
WHEN OLD.journey_id IS NOT NEW.journey_id OR OLD.company_size IS NOT NEW.company_size
  OR OLD.industry IS NOT NEW.industry
BEGIN INSERT INTO refresh_touch VALUES ('account', '0000-00'); END;
CREATE TRIGGER account_changed_delete AFTER DELETE ON account
BEGIN INSERT INTO refresh_touch VALUES ('account', '0000-00'); END;

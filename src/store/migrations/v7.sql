-- Version 7: survey answers keyed by their response and survey (one response of a survey tool
-- may answer several surveys: SurveyMonkey's NPS and CSAT exports share their Respondent IDs),
-- and accounts carry a domain and another tool's id, for `import --account-by domain|external_id`.
-- Frozen copy of schema.sql's statements at version 7. (Version 6 is the tiers pane's
-- precomputed month: this file is the next one.)
--
-- The table is rebuilt (SQLite cannot change a primary key in place). DROP TABLE drops its
-- indexes and triggers: they are recreated below as schema.sql has them. The view that reads the
-- table is dropped first and recreated after: renaming a table fails while a view names a table
-- that does not exist. The triggers are created after the copy, so copied rows are neither
-- checked against the scales again nor recorded as a pending refresh (nothing changed).
DROP VIEW survey_answer;
CREATE TABLE survey_response_v7 (
    response_id TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    phase_id    INTEGER REFERENCES phase (phase_id) ON DELETE SET NULL,
    answered_at TEXT NOT NULL,
    survey      TEXT NOT NULL CHECK (survey IN ('nps', 'csat', 'ces')),
    score       INTEGER NOT NULL,
    touchpoint  TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT '',
    -- The score lies on the scale of the account's journey (trigger survey_score_on_scale).
    PRIMARY KEY (response_id, survey)
) STRICT;
-- An import never wrote a NULL response id (it makes one of account, time and survey when the
-- file has none); a row written otherwise gets that id. Ids were unique, so keys are.
INSERT INTO survey_response_v7 SELECT
    coalesce(response_id, account_id || '/' || answered_at || '/' || survey),
    account_id, phase_id, answered_at, survey, score, touchpoint, comment
    FROM survey_response;
DROP TABLE survey_response;
ALTER TABLE survey_response_v7 RENAME TO survey_response;
CREATE INDEX survey_by_phase ON survey_response (phase_id, survey, answered_at);
CREATE INDEX survey_by_account ON survey_response (account_id, answered_at);

-- Every answer with its account's journey and whether it is unhappy or happy on that journey's
-- scale: what the triage signals, the tier rules and the comment analysis read.
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

-- Accounts found by what another tool's file has: a domain (matched but for case; an email
-- address by its domain) or that tool's id for the account (matched exactly).
ALTER TABLE account ADD COLUMN domain TEXT;
ALTER TABLE account ADD COLUMN external_id TEXT;
CREATE INDEX account_by_domain ON account (lower(domain));
CREATE INDEX account_by_external_id ON account (external_id);

-- Version 8: what the churn pane reads of a month, precomputed (churned_account,
-- churn_tier_month, cohort_size, cohort_month), and the triage queue's orders (triage_rank).
-- Frozen copy of schema.sql's statements at version 8. The tier evaluation and the triage
-- signals that follow the migration fill them.
-- Computed with the tier evaluation, for the churn pane (a month is read, never a scan of the raw rows):
-- the accounts each month's figures count as churned (active on its first day, not on the
-- next month's), with what the list shows of them: the day their last subscription ended,
-- their first start (tenure) and the day of the month's churn event that explains them.
CREATE TABLE churned_account (
    period      TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    mrr_lost    REAL NOT NULL,
    churned_on  TEXT,
    first_start TEXT,
    event_on    TEXT,
    PRIMARY KEY (period, account_id)
) STRICT, WITHOUT ROWID;

-- Computed with the tier evaluation: each month's churn and retention per segment (as
-- churn_month) and per loyalty tier held at the end of the month before ('none' without one).
CREATE TABLE churn_tier_month (
    period          TEXT NOT NULL,
    journey_id      TEXT NOT NULL DEFAULT '',
    segment         TEXT NOT NULL,
    tier            TEXT NOT NULL,
    n_start         INTEGER NOT NULL,
    n_churned       INTEGER NOT NULL,
    start_mrr       REAL NOT NULL,
    churned_mrr     REAL NOT NULL,
    contraction_mrr REAL NOT NULL,
    expansion_mrr   REAL NOT NULL,
    PRIMARY KEY (journey_id, segment, period, tier)
) STRICT, WITHOUT ROWID;

-- Computed with the tier evaluation: accounts by the month their first subscription started (cohort),
-- and how many of them were active at the end of each month since.
CREATE TABLE cohort_size (
    cohort   TEXT PRIMARY KEY,
    accounts INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE cohort_month (
    cohort TEXT NOT NULL,
    period TEXT NOT NULL,
    active INTEGER NOT NULL,
    PRIMARY KEY (cohort, period)
) STRICT, WITHOUT ROWID;

-- Computed with the triage signals: each account active at the end of the store's last month,
-- with its place in every order the triage pane offers, so that the pane reads a page of the
-- queue (an indexed read) instead of scoring every account on a keypress. The score is the
-- weights' of the refresh (setting triage_rank.weights); keys are lower case for the filters.
CREATE TABLE triage_rank (
    account_id TEXT PRIMARY KEY REFERENCES account (account_id) ON DELETE CASCADE,
    hvc        INTEGER NOT NULL,
    score      REAL NOT NULL,
    mrr        REAL NOT NULL,
    at_risk    REAL NOT NULL,   -- score x MRR
    age        REAL NOT NULL,   -- days the oldest open ticket is open, -1 without one
    name_key   TEXT NOT NULL,   -- the name in lower case: the name order
    search     TEXT NOT NULL,   -- the id and the name in lower case, for the name search
    owner_key  TEXT NOT NULL,   -- the owner in lower case ('' without one)
    drivers    TEXT NOT NULL    -- the signals that score, by name, space-separated
) STRICT, WITHOUT ROWID;
CREATE INDEX triage_rank_by_score ON triage_rank (score DESC, mrr DESC, account_id);
CREATE INDEX triage_rank_by_at_risk ON triage_rank (at_risk DESC, score DESC, mrr DESC, account_id);
CREATE INDEX triage_rank_by_mrr ON triage_rank (mrr DESC, score DESC, account_id);
CREATE INDEX triage_rank_by_age ON triage_rank (age DESC, score DESC, mrr DESC, account_id);
CREATE INDEX triage_rank_by_name ON triage_rank (name_key, account_id);

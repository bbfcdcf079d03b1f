-- Version 10: the derived tables lose their foreign keys (see schema.sql): rebuilt empty, as
-- schema.sql has them, and refilled by the full refresh recorded as pending here, which the
-- opening that migrates runs (see `Store::open`); a refresh cut short is taken up later.
DROP TABLE account_tier;
CREATE TABLE account_tier (
    period        TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    held_tier     TEXT,
    eligible_tier TEXT,
    status        TEXT NOT NULL CHECK (status IN ('qualified', 'upgrade', 'grace', 'downgrade', 'none')),
    grace_until   TEXT,
    PRIMARY KEY (period, account_id)
) STRICT, WITHOUT ROWID;
DROP TABLE tier_watch;
CREATE TABLE tier_watch (
    period             TEXT NOT NULL,
    account_id         TEXT NOT NULL,
    active             INTEGER NOT NULL,
    monthly_mrr        BLOB NOT NULL,     -- MRR of the longest window's months, oldest first: little-endian f64s
    tenure_months      INTEGER NOT NULL,
    overdue_invoice    INTEGER NOT NULL,
    open_severe_ticket INTEGER NOT NULL,
    detractor          INTEGER NOT NULL,
    hvc                INTEGER NOT NULL,
    PRIMARY KEY (period, account_id)
) STRICT, WITHOUT ROWID;
DROP TABLE account_month;
CREATE TABLE account_month (
    account_id TEXT NOT NULL,
    period     TEXT NOT NULL,
    mrr_start  REAL,
    mrr_end    REAL,
    -- HVC that month: among the top `hvc_top_mrr_pct` % of the accounts active at its start, by
    -- their MRR then. Decided per month and kept: later months never change it.
    hvc        INTEGER NOT NULL DEFAULT 0 CHECK (hvc IN (0, 1)),
    PRIMARY KEY (account_id, period)
) STRICT, WITHOUT ROWID;
CREATE INDEX account_month_by_period ON account_month (period);
DROP TABLE churned_account;
CREATE TABLE churned_account (
    period      TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    mrr_lost    REAL NOT NULL,
    churned_on  TEXT,
    first_start TEXT,
    event_on    TEXT,
    PRIMARY KEY (period, account_id)
) STRICT, WITHOUT ROWID;
DROP TABLE triage_rank;
CREATE TABLE triage_rank (
    account_id TEXT PRIMARY KEY,
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
DROP TABLE account_signal;
CREATE TABLE account_signal (
    period     TEXT NOT NULL,
    account_id TEXT NOT NULL,
    signal     TEXT NOT NULL,
    value      REAL NOT NULL,
    PRIMARY KEY (period, account_id, signal)
) STRICT, WITHOUT ROWID;
INSERT INTO refresh_touch VALUES ('definitions', '0000-00');

-- Version 6: the tiers pane reads what the tier evaluation stored for a month (tier_watch,
-- tier_month, hvc_month) instead of every account's raw rows. Derived: filled by the tier
-- evaluation that follows the migration (see `Store::open`). Frozen copy of schema.sql's
-- statements at version 6.
-- Computed with the tier evaluation, for the tiers pane (a month is read, never a scan of the raw
-- rows): the accounts to watch in each month (moved up a tier, at risk of a downgrade, or close
-- to the next tier), with the facts their decision was made on, so it can be explained again
-- exactly (`analysis::tiers::explain`); the members of each tier; the HVC accounts.
CREATE TABLE tier_watch (
    period             TEXT NOT NULL,
    account_id         TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    active             INTEGER NOT NULL,
    monthly_mrr        BLOB NOT NULL,     -- MRR of the longest window's months, oldest first: little-endian f64s
    tenure_months      INTEGER NOT NULL,
    overdue_invoice    INTEGER NOT NULL,
    open_severe_ticket INTEGER NOT NULL,
    detractor          INTEGER NOT NULL,
    hvc                INTEGER NOT NULL,
    PRIMARY KEY (period, account_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE tier_month (
    period  TEXT NOT NULL,
    tier_id TEXT NOT NULL,
    members INTEGER NOT NULL,
    PRIMARY KEY (period, tier_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE hvc_month (
    period   TEXT PRIMARY KEY,
    accounts INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Version 9: follow-through (issue #19). Frozen copy of schema.sql's statements at version 9:
-- new tables only, so a store of version 8 gains them as a new store has them. IF NOT EXISTS
-- (which SQLite leaves out of the text it keeps, so the schema reads as a new store's): a store
-- that has them already (rebuilt as an older version from a newer one, as the migration tests
-- do) migrates without error.

-- Follow-through: owned actions with due dates and their append-only history; alert rules as
-- code and the alerts they raised (what each rule has seen: its watermark).
-- An action is about an account, and/or a journey phase and month, and/or a metric; it came from
-- `manual`, `alert:<rule>` or `review:<YYYY-MM>`. `subject` is what an alert's action is about
-- (`account:ID`, `metric:ID`): one open action per source and subject (the unique index below),
-- so two `alerts` runs at once cannot open the same action twice. Actions are never deleted:
-- `dropped` is a status.
CREATE TABLE IF NOT EXISTS action (
    action_id  INTEGER PRIMARY KEY,
    title      TEXT NOT NULL CHECK (title <> ''),
    account_id TEXT REFERENCES account (account_id) ON DELETE SET NULL,
    journey_id TEXT REFERENCES journey (journey_id) ON DELETE SET NULL,
    phase_key  TEXT,
    period     TEXT CHECK (period IS NULL OR period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    metric_id  TEXT REFERENCES metric (metric_id) ON DELETE SET NULL,
    owner      TEXT,
    due        TEXT CHECK (due IS NULL OR due GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped')),
    outcome    TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT 'manual'
               CHECK (source = 'manual' OR source GLOB 'alert:?*'
                      OR source GLOB 'review:[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    subject    TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS action_by_status ON action (status, due);
CREATE INDEX IF NOT EXISTS action_by_account ON action (account_id);
CREATE INDEX IF NOT EXISTS action_by_phase ON action (journey_id, phase_key);
CREATE UNIQUE INDEX IF NOT EXISTS action_open_per_subject ON action (source, subject)
    WHERE status = 'open' AND subject <> '';

-- Every change of an action, oldest first: only ever appended to (the triggers refuse the rest).
CREATE TABLE IF NOT EXISTS action_history (
    id        INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES action (action_id),
    event     TEXT NOT NULL CHECK (event IN ('created', 'note', 'assign', 'done', 'drop', 'alert')),
    body      TEXT NOT NULL DEFAULT '',
    author    TEXT NOT NULL,
    at        TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS action_history_by_action ON action_history (action_id, id);
CREATE TRIGGER IF NOT EXISTS action_history_no_update BEFORE UPDATE ON action_history
BEGIN SELECT RAISE(ABORT, 'action_history is append-only: its rows cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS action_history_no_delete BEFORE DELETE ON action_history
BEGIN SELECT RAISE(ABORT, 'action_history is append-only: its rows cannot be deleted'); END;

-- Alert rules, imported from TOML (`import alert-rules FILE`): a kind of condition with its
-- parameters and window, what the opened action says, its owner and its due period.
CREATE TABLE IF NOT EXISTS alert_rule (
    rule_id         TEXT PRIMARY KEY CHECK (rule_id <> ''),
    kind            TEXT NOT NULL CHECK (kind IN ('detractor', 'sla_breach', 'overdue_invoice',
                                                  'tier_drop', 'metric_red', 'usage_drop')),
    title           TEXT NOT NULL CHECK (title <> ''),
    owner           TEXT NOT NULL DEFAULT 'account',  -- 'account', 'phase' or 'team:NAME'
    due_days        INTEGER NOT NULL DEFAULT 7 CHECK (due_days >= 0),
    window_days     INTEGER CHECK (window_days >= 1),    -- event kinds: the days up to the as-of day
    window_months   INTEGER CHECK (window_months >= 1),  -- month kinds: the months up to the as-of month
    threshold       REAL,                                -- overdue_invoice: days; usage_drop: percent
    baseline_months INTEGER CHECK (baseline_months >= 1), -- usage_drop: the months before, averaged
    hvc_only        INTEGER NOT NULL DEFAULT 0 CHECK (hvc_only IN (0, 1)),
    enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))
) STRICT;

-- Every alert raised, once per rule and occurrence (an answer, a ticket, an invoice, or a
-- subject's month): the watermark of what each rule has seen, so a second run raises nothing
-- and data imported later raises once. `action_id`: the action opened, or the one already open.
CREATE TABLE IF NOT EXISTS alert (
    rule_id    TEXT NOT NULL REFERENCES alert_rule (rule_id) ON DELETE CASCADE,
    occurrence TEXT NOT NULL,
    account_id TEXT,
    metric_id  TEXT,
    period     TEXT,
    detail     TEXT NOT NULL,
    action_id  INTEGER REFERENCES action (action_id),
    raised_at  TEXT NOT NULL,
    PRIMARY KEY (rule_id, occurrence)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alert_by_time ON alert (raised_at);

-- The last evaluation: as of which day, when, by whom, and how many alerts it raised.
CREATE TABLE IF NOT EXISTS alert_run (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    as_of    TEXT NOT NULL,
    ran_at   TEXT NOT NULL,
    ran_by   TEXT NOT NULL,
    raised   INTEGER NOT NULL
) STRICT;

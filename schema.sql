-- cxcockpit store schema: the single source of the schema; the binary embeds this file.
-- The schema version lives in PRAGMA user_version (set by the store, see src/store/mod.rs).
-- Dates are ISO 8601 text ('YYYY-MM-DD', timestamps 'YYYY-MM-DDTHH:MM:SS'), periods 'YYYY-MM'.
-- Money is MRR in the store's currency (setting 'currency').
-- The tables written by the hundred thousand (accounts, churn events, tickets, survey answers,
-- tier rows) state their allowed values with = and OR, not IN: for an IN list of more than two
-- values SQLite builds a lookup table on every insert (see CHECKS_WITHOUT_LISTS in the store).

-- Journeys and their phases are data, never hard-coded.
CREATE TABLE journey (
    journey_id  TEXT PRIMARY KEY CHECK (journey_id <> ''),
    name        TEXT NOT NULL CHECK (name <> ''),
    description TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE phase (
    phase_id         INTEGER PRIMARY KEY,
    journey_id       TEXT NOT NULL REFERENCES journey (journey_id) ON DELETE CASCADE,
    phase_key        TEXT NOT NULL CHECK (phase_key <> ''),
    name             TEXT NOT NULL CHECK (name <> ''),
    position         INTEGER NOT NULL CHECK (position >= 1),
    cx_goal          TEXT NOT NULL DEFAULT '',
    business_goal    TEXT NOT NULL DEFAULT '',
    owner            TEXT,                      -- NULL: nobody owns the phase, shown as such
    moments_of_truth TEXT NOT NULL DEFAULT '',  -- one per line
    pain_points      TEXT NOT NULL DEFAULT '',  -- one per line
    UNIQUE (journey_id, phase_key),
    UNIQUE (journey_id, position)
) STRICT;

CREATE TABLE phase_touchpoint (
    phase_id   INTEGER NOT NULL REFERENCES phase (phase_id) ON DELETE CASCADE,
    touchpoint TEXT NOT NULL CHECK (touchpoint <> ''),
    PRIMARY KEY (phase_id, touchpoint)
) STRICT, WITHOUT ROWID;

-- aggregation names how the rollup computes the metric from raw rows (see src/store/rollup.rs);
-- 'imported' metrics exist only as aggregates in metric_value.
CREATE TABLE metric (
    metric_id   TEXT PRIMARY KEY CHECK (metric_id <> ''),
    phase_id    INTEGER NOT NULL REFERENCES phase (phase_id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (name <> ''),
    kind        TEXT NOT NULL CHECK (kind IN ('indicator', 'success')),
    perspective TEXT NOT NULL CHECK (perspective IN ('realization', 'proposition', 'delivery')),
    unit        TEXT NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('higher', 'lower')),
    target      REAL,
    tolerance   REAL NOT NULL DEFAULT 0 CHECK (tolerance >= 0),
    aggregation TEXT NOT NULL CHECK (aggregation IN (
        'imported', 'nps', 'csat', 'ces',
        'first_response_hours', 'resolution_hours', 'tickets_per_100',
        'logo_churn', 'grr', 'nrr', 'expansion_rate', 'arpu', 'new_accounts',
        'lead_time_days', 'downtime_hours', 'on_time_payment')),
    source      TEXT NOT NULL DEFAULT '',
    definition  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX metric_by_phase ON metric (phase_id);

CREATE TABLE account (
    account_id   TEXT PRIMARY KEY CHECK (account_id <> ''),
    name         TEXT NOT NULL DEFAULT '',
    journey_id   TEXT REFERENCES journey (journey_id),
    industry     TEXT NOT NULL DEFAULT '',
    company_size TEXT NOT NULL DEFAULT 'unknown'
                 CHECK (company_size = 'micro' OR company_size = 'small' OR company_size = 'medium'
                        OR company_size = 'large' OR company_size = 'unknown'),
    area         TEXT NOT NULL DEFAULT '',     -- urban, suburban, ...
    contact_role TEXT NOT NULL DEFAULT '',
    owner        TEXT,
    hvc          INTEGER NOT NULL DEFAULT 0 CHECK (hvc IN (0, 1)),  -- set by the HVC rule
    created_on   TEXT,
    domain       TEXT,  -- e.g. acme.com: `import --account-by domain` (case-insensitive; emails by their domain)
    external_id  TEXT   -- the account's id in another tool (CRM, billing): `import --account-by external_id`
) STRICT;
CREATE INDEX account_by_journey ON account (journey_id);
CREATE INDEX account_by_domain ON account (lower(domain));
CREATE INDEX account_by_external_id ON account (external_id);

CREATE TABLE subscription (
    subscription_id TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    product         TEXT NOT NULL DEFAULT '',
    mrr             REAL NOT NULL CHECK (mrr >= 0),
    ordered_on      TEXT,                       -- order date; start_date - ordered_on is the lead time
    start_date      TEXT NOT NULL,
    end_date        TEXT,                       -- NULL while active; the first day it is no longer active
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK (ordered_on IS NULL OR ordered_on <= start_date)
) STRICT, WITHOUT ROWID;  -- keyed by its id alone: one B-tree fewer to write on large imports
CREATE INDEX subscription_by_account ON subscription (account_id, start_date);

CREATE TABLE churn_event (
    account_id TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    churned_on TEXT NOT NULL,
    phase_id   INTEGER REFERENCES phase (phase_id) ON DELETE SET NULL,
    root_cause TEXT NOT NULL CHECK (root_cause = 'service' OR root_cause = 'price' OR root_cause = 'promotion'
                                    OR root_cause = 'people' OR root_cause = 'process' OR root_cause = 'other'),
    reason     TEXT NOT NULL DEFAULT '',
    mrr_lost   REAL NOT NULL DEFAULT 0 CHECK (mrr_lost >= 0),
    PRIMARY KEY (account_id, churned_on)
) STRICT;
CREATE INDEX churn_event_by_date ON churn_event (churned_on);

CREATE TABLE ticket (
    ticket_id          TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    phase_id           INTEGER REFERENCES phase (phase_id) ON DELETE SET NULL,
    opened_at          TEXT NOT NULL,
    first_response_at  TEXT,
    resolved_at        TEXT,
    severity           TEXT NOT NULL DEFAULT 'medium'
                       CHECK (severity = 'low' OR severity = 'medium' OR severity = 'high' OR severity = 'critical'),
    channel            TEXT NOT NULL DEFAULT '',
    CHECK (first_response_at IS NULL OR first_response_at >= opened_at),
    CHECK (resolved_at IS NULL OR resolved_at >= opened_at)
) STRICT;
CREATE INDEX ticket_by_account ON ticket (account_id, opened_at);
CREATE INDEX ticket_by_phase ON ticket (phase_id, opened_at);
CREATE INDEX ticket_severe ON ticket (opened_at) WHERE severity IN ('high', 'critical');

-- Keyed by the response and the survey: one response of a survey tool may answer several
-- surveys (SurveyMonkey's NPS and CSAT exports share their Respondent IDs).
CREATE TABLE survey_response (
    response_id TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    phase_id    INTEGER REFERENCES phase (phase_id) ON DELETE SET NULL,
    answered_at TEXT NOT NULL,
    survey      TEXT NOT NULL CHECK (survey = 'nps' OR survey = 'csat' OR survey = 'ces'),
    score       INTEGER NOT NULL,
    touchpoint  TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT '',
    -- The score lies on the scale of the account's journey (trigger survey_score_on_scale).
    PRIMARY KEY (response_id, survey)
) STRICT;
CREATE INDEX survey_by_phase ON survey_response (phase_id, survey, answered_at);
CREATE INDEX survey_by_account ON survey_response (account_id, answered_at);

-- The scale a journey's survey answers are scored on, as its definitions declare it (kind,
-- range, which end is good, which answers are unhappy and happy; ranges inclusive). A journey
-- that declares none for a survey uses the standard scale (survey_standard_scale).
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

-- NPS 0-10 (9-10 promoters, 0-6 detractors); CSAT 1-5 (4-5 satisfied); CES 1-7 agreement that it
-- was easy (CES 2.0). Kept equal to `domain::survey::Scale::standard` (a test checks).
CREATE VIEW survey_standard_scale (survey, min_score, max_score, good, unhappy_from, unhappy_to,
                                   happy_from, happy_to) AS
VALUES ('nps', 0, 10, 'higher', 0, 6, 9, 10),
       ('csat', 1, 5, 'higher', 1, 3, 4, 5),
       ('ces', 1, 7, 'higher', 1, 3, 5, 7);

-- The scale each journey's answers are scored on: the declared one, else the standard one.
-- journey_id NULL: the standard scales, for accounts outside every journey.
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

-- Billing: an invoice is overdue while unpaid after its due date, or paid late.
CREATE TABLE invoice (
    invoice_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    issued_on  TEXT NOT NULL,
    due_on     TEXT NOT NULL,
    paid_on    TEXT,
    amount     REAL NOT NULL CHECK (amount >= 0),
    CHECK (due_on >= issued_on)
) STRICT;
CREATE INDEX invoice_by_account ON invoice (account_id, due_on);
CREATE INDEX invoice_by_due ON invoice (due_on);
-- Only late or unpaid invoices can ever be overdue: tiers and triage read them through this.
CREATE INDEX invoice_late ON invoice (due_on) WHERE paid_on IS NULL OR paid_on > due_on;

-- Monthly service usage per account (network monitoring / product analytics).
CREATE TABLE usage_month (
    account_id     TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    period         TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    downtime_hours REAL NOT NULL DEFAULT 0 CHECK (downtime_hours >= 0),
    usage_index    REAL CHECK (usage_index >= 0),   -- 100 = the account's usual usage
    PRIMARY KEY (account_id, period)
) STRICT, WITHOUT ROWID;
CREATE INDEX usage_by_period ON usage_month (period);

-- Values of metrics that only exist as aggregates (imported, or generated for the demo).
CREATE TABLE metric_value (
    metric_id TEXT NOT NULL REFERENCES metric (metric_id) ON DELETE CASCADE,
    period    TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    segment   TEXT NOT NULL DEFAULT 'all',
    value     REAL NOT NULL,
    n         INTEGER CHECK (n >= 0),
    -- Month before segment: exports come metric by metric, month by month, and a new month's
    -- rows then append to each metric's range.
    PRIMARY KEY (metric_id, period, segment)
) STRICT, WITHOUT ROWID;

-- Loyalty program: ranked tiers with rising criteria.
CREATE TABLE tier (
    tier_id           TEXT PRIMARY KEY CHECK (tier_id <> ''),
    name              TEXT NOT NULL,
    rank              INTEGER NOT NULL UNIQUE CHECK (rank >= 1),
    benefits          TEXT NOT NULL DEFAULT '',
    min_mrr           REAL NOT NULL DEFAULT 0 CHECK (min_mrr >= 0),
    window_months     INTEGER NOT NULL DEFAULT 3 CHECK (window_months >= 1),
    min_tenure_months INTEGER NOT NULL DEFAULT 0 CHECK (min_tenure_months >= 0),
    grace_months      INTEGER NOT NULL DEFAULT 0 CHECK (grace_months >= 0),
    req_no_overdue    INTEGER NOT NULL DEFAULT 0 CHECK (req_no_overdue IN (0, 1)),
    req_no_open_severe INTEGER NOT NULL DEFAULT 0 CHECK (req_no_open_severe IN (0, 1)),
    req_not_detractor INTEGER NOT NULL DEFAULT 0 CHECK (req_not_detractor IN (0, 1)),
    req_hvc           INTEGER NOT NULL DEFAULT 0 CHECK (req_hvc IN (0, 1)),
    -- How the MRR and tenure minimums combine: both ('all'), or either ('any': "loyalty by
    -- spending or length of stay"). The conditions above always hold.
    qualify           TEXT NOT NULL DEFAULT 'all' CHECK (qualify IN ('all', 'any'))
) STRICT;

-- Derived tables (account_month, account_tier, tier_watch, churned_account, triage_rank,
-- account_signal) carry no foreign keys: the refresh rewrites them from the raw rows, and any
-- change of accounts or tiers makes it a full one. A key would cost a lookup per row written and
-- turn clearing the table into a delete row by row (30 s of a 100,000-account refresh).
-- Each account's tier at the end of each month (computed by the tier evaluation, after each
-- rollup). Keyed by month first: panes read one month; one account's history is a lookup a month.
-- Accounts that hold no tier and qualify for none have no row.
CREATE TABLE account_tier (
    period        TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    held_tier     TEXT,
    eligible_tier TEXT,
    status        TEXT NOT NULL CHECK (status = 'qualified' OR status = 'upgrade' OR status = 'grace'
                                       OR status = 'downgrade' OR status = 'none'),
    grace_until   TEXT,
    PRIMARY KEY (period, account_id)
) STRICT, WITHOUT ROWID;

-- Computed with the tier evaluation, for the tiers pane (a month is read, never a scan of the raw
-- rows): the accounts to watch in each month (moved up a tier, at risk of a downgrade, or close
-- to the next tier), with the facts their decision was made on, so it can be explained again
-- exactly (`analysis::tiers::explain`); the members of each tier; the HVC accounts.
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

-- Computed: each account's MRR at the start and at the end of each month in the store's range
-- (first day of the month, first day of the next). NULL: not active then. Only months in which
-- the account was active at one end or the other have a row.
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

-- Computed: every metric's value per month and segment. No row means no data (grey), never zero.
-- segment: 'all', 'hvc', 'regular' or 'size:<company_size>'. n: the sample the value rests on.
CREATE TABLE rollup (
    metric_id TEXT NOT NULL REFERENCES metric (metric_id) ON DELETE CASCADE,
    segment   TEXT NOT NULL,
    period    TEXT NOT NULL,
    value     REAL NOT NULL,
    n         INTEGER,
    -- Survey metrics: the variance of one answer's contribution (NPS: +100, 0 or -100 each),
    -- for the significance of a change (`domain::change::significance`); NULL otherwise.
    variance  REAL,
    PRIMARY KEY (metric_id, segment, period)
) STRICT, WITHOUT ROWID;
CREATE INDEX rollup_by_period ON rollup (period, segment);

-- Computed: churn and revenue retention of each month [first day, first day of the next) per
-- segment ('all', 'hvc', 'regular', 'size:*', 'industry:*', 'journey:*'), over the accounts
-- active at the month's start. Sums, so windows and rates derive without raw rows.
-- journey_id: '' for every journey together, else that journey's accounts only.
CREATE TABLE churn_month (
    period          TEXT NOT NULL,
    journey_id      TEXT NOT NULL DEFAULT '',
    segment         TEXT NOT NULL,
    n_start         INTEGER NOT NULL,
    n_churned       INTEGER NOT NULL,
    start_mrr       REAL NOT NULL,
    churned_mrr     REAL NOT NULL,
    contraction_mrr REAL NOT NULL,
    expansion_mrr   REAL NOT NULL,
    PRIMARY KEY (journey_id, segment, period)
) STRICT, WITHOUT ROWID;

-- Computed with the tier evaluation, for the churn pane (a month is read, never a scan of the raw rows):
-- the accounts each month's figures count as churned (active on its first day, not on the
-- next month's), with what the list shows of them: the day their last subscription ended,
-- their first start (tenure) and the day of the month's churn event that explains them.
CREATE TABLE churned_account (
    period      TEXT NOT NULL,
    account_id  TEXT NOT NULL,
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

-- Monthly journey review, per phase. History rows keep what a reopened sign-off said.
CREATE TABLE review (
    period      TEXT NOT NULL,
    phase_id    INTEGER NOT NULL REFERENCES phase (phase_id) ON DELETE CASCADE,
    status      TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'in_review', 'signed_off')),
    notes       TEXT NOT NULL DEFAULT '',
    reviewer    TEXT,
    updated_at  TEXT,
    PRIMARY KEY (period, phase_id)
) STRICT;

CREATE TABLE review_history (
    id         INTEGER PRIMARY KEY,
    period     TEXT NOT NULL,
    phase_id   INTEGER NOT NULL REFERENCES phase (phase_id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    notes      TEXT NOT NULL,
    reviewer   TEXT,
    changed_at TEXT NOT NULL
) STRICT;
CREATE INDEX review_history_by_phase ON review_history (period, phase_id);

-- Computed: the raw value of each triage signal per account at the end of the store's last two
-- months (so the score and what moved it since last month are a read). Points come from the
-- weights in `setting` at read time, so tuning a weight needs no recomputation. Signals that
-- do not fire have no row; 'oldest_open_days' is shown, not scored.
CREATE TABLE account_signal (
    period     TEXT NOT NULL,
    account_id TEXT NOT NULL,
    signal     TEXT NOT NULL,
    value      REAL NOT NULL,
    PRIMARY KEY (period, account_id, signal)
) STRICT, WITHOUT ROWID;

-- Computed with the triage signals: the backtest's points of each month it ranks, so that a
-- refresh of later months (a day's subscriptions) ranks the earlier months again by their stored
-- points instead of computing every month's signals again. tenths: each account's points then in
-- whole tenths, as little-endian 32-bit integers, accounts in id order; weights: the signature
-- of the weights they were counted with (other weights, or other accounts, count them again).
CREATE TABLE backtest_points (
    period  TEXT PRIMARY KEY,
    weights TEXT NOT NULL,
    tenths  BLOB NOT NULL
) STRICT, WITHOUT ROWID;

-- Computed: for each indicator, the account-months in which it had an account-level value, by
-- status against the target, and how many of those accounts churned within the next 3 months.
CREATE TABLE indicator_outcome (
    metric_id    TEXT NOT NULL REFERENCES metric (metric_id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('green', 'amber', 'red')),
    observations INTEGER NOT NULL,
    churned      INTEGER NOT NULL,
    PRIMARY KEY (metric_id, status)
) STRICT, WITHOUT ROWID;

-- HVC triage: the current state per account, and an append-only log of every action and note.
CREATE TABLE triage_state (
    account_id   TEXT PRIMARY KEY REFERENCES account (account_id) ON DELETE CASCADE,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'assigned', 'snoozed', 'resolved')),
    assignee     TEXT,
    snooze_until TEXT,
    snooze_score REAL,
    updated_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;

CREATE TABLE triage_note (
    id         INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account (account_id) ON DELETE CASCADE,
    action     TEXT NOT NULL CHECK (action IN ('note', 'assign', 'snooze', 'resolve', 'reopen')),
    body       TEXT NOT NULL DEFAULT '',
    author     TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX triage_note_by_account ON triage_note (account_id, created_at);

-- Tunable settings: HVC rule, triage weights, SLA targets, the store's as-of month.
-- Raw rows changed since the derived tables were last computed, by source table: the earliest
-- month a change reaches (an update counts its old and new rows), and how many changes. Written
-- by the triggers below in the transaction of the change itself, so an import and its pending
-- refresh commit together; the refresh that takes a row into account deletes it (only if no
-- change arrived meanwhile: `touched` is unchanged). Any row here: the derived tables are behind.
-- 'account': an account's journey, size or industry changed (everything is behind: '0000-00').
CREATE TABLE refresh_pending (
    source      TEXT PRIMARY KEY,
    from_period TEXT NOT NULL,
    touched     INTEGER NOT NULL DEFAULT 1
) STRICT, WITHOUT ROWID;

-- One row per change: the triggers insert here, this keeps the earliest month.
CREATE VIEW refresh_touch (source, from_period) AS SELECT source, from_period FROM refresh_pending;
CREATE TRIGGER refresh_touch_insert INSTEAD OF INSERT ON refresh_touch
BEGIN
    INSERT INTO refresh_pending (source, from_period) VALUES (NEW.source, NEW.from_period)
    ON CONFLICT (source) DO UPDATE SET from_period = min(from_period, excluded.from_period),
                                       touched = touched + 1;
END;

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
-- A renamed account, or one given another owner, is listed, searched and filtered under its new
-- name and owner: the triage queue's stored keys (triage_rank) of the store's last month are its
-- own to compute again ('account_label'; the keys are lower case as Rust folds it, not SQLite).
CREATE TRIGGER account_label_changed_update AFTER UPDATE OF name, owner ON account
WHEN OLD.name IS NOT NEW.name OR OLD.owner IS NOT NEW.owner
BEGIN
    INSERT INTO refresh_touch SELECT 'account_label', coalesce(max(period), '0000-00') FROM account_month;
    INSERT INTO refresh_touch_account VALUES (NEW.account_id);
END;

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

INSERT INTO setting (key, value) VALUES
    ('currency', 'USD'),
    ('hvc_top_mrr_pct', '20'),
    ('sla_first_response_hours.low', '24'),
    ('sla_first_response_hours.medium', '8'),
    ('sla_first_response_hours.high', '4'),
    ('sla_first_response_hours.critical', '1'),
    ('triage_weight.open_ticket_critical', '25'),
    ('triage_weight.open_ticket_high', '15'),
    ('triage_weight.open_ticket_other', '5'),
    ('triage_weight.sla_breach', '10'),
    ('triage_weight.long_running_ticket', '8'),
    ('triage_weight.downtime', '15'),
    ('triage_weight.usage_drop', '10'),
    ('triage_weight.detractor', '20'),
    ('triage_weight.nps_falling', '8'),
    ('triage_weight.high_effort', '8'),
    ('triage_weight.overdue_invoice', '12'),
    ('triage_weight.renewal_due', '10'),
    ('triage_weight.red_indicator', '5'),
    ('triage_weight.tier_downgrade_risk', '10'),
    ('triage_weight.mrr_contraction', '12'),
    ('triage_snooze_wake_points', '15');

-- A setting the refresh reads (the HVC share, the SLA targets, the triage signals' windows, the
-- store's first and last months) reaches every month's figures: recorded as pending ('settings')
-- like a change of the rows, so that readers are told until a refresh applies it. Defined after
-- the defaults above, which no refresh has to apply. The keys, as GLOB patterns, are listed once
-- (`setting_read_by_refresh`).
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

-- Follow-through: owned actions with due dates and their append-only history; alert rules as
-- code and the alerts they raised (what each rule has seen: its watermark).
-- An action is about an account, and/or a journey phase and month, and/or a metric; it came from
-- `manual`, `alert:<rule>` or `review:<YYYY-MM>`. `subject` is what an alert's action is about
-- (`account:ID`, `metric:ID`): one open action per source and subject (the unique index below),
-- so two `alerts` runs at once cannot open the same action twice. Actions are never deleted:
-- `dropped` is a status.
CREATE TABLE action (
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
CREATE INDEX action_by_status ON action (status, due);
CREATE INDEX action_by_account ON action (account_id);
CREATE INDEX action_by_phase ON action (journey_id, phase_key);
CREATE UNIQUE INDEX action_open_per_subject ON action (source, subject)
    WHERE status = 'open' AND subject <> '';

-- Every change of an action, oldest first: only ever appended to (the triggers refuse the rest).
CREATE TABLE action_history (
    id        INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES action (action_id),
    event     TEXT NOT NULL CHECK (event IN ('created', 'note', 'assign', 'done', 'drop', 'alert')),
    body      TEXT NOT NULL DEFAULT '',
    author    TEXT NOT NULL,
    at        TEXT NOT NULL
) STRICT;
CREATE INDEX action_history_by_action ON action_history (action_id, id);
CREATE TRIGGER action_history_no_update BEFORE UPDATE ON action_history
BEGIN SELECT RAISE(ABORT, 'action_history is append-only: its rows cannot be changed'); END;
CREATE TRIGGER action_history_no_delete BEFORE DELETE ON action_history
BEGIN SELECT RAISE(ABORT, 'action_history is append-only: its rows cannot be deleted'); END;

-- Alert rules, imported from TOML (`import alert-rules FILE`): a kind of condition with its
-- parameters and window, what the opened action says, its owner and its due period.
CREATE TABLE alert_rule (
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
CREATE TABLE alert (
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
CREATE INDEX alert_by_time ON alert (raised_at);

-- The last evaluation: as of which day, when, by whom, and how many alerts it raised.
CREATE TABLE alert_run (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    as_of    TEXT NOT NULL,
    ran_at   TEXT NOT NULL,
    ran_by   TEXT NOT NULL,
    raised   INTEGER NOT NULL
) STRICT;

-- Version 13: the backtest's points of each month it ranks are kept (see schema.sql). Derived:
-- empty until the next refresh that computes the backtest fills it; until then a refresh
-- computes every month's points, as before.
CREATE TABLE IF NOT EXISTS backtest_points (
    period  TEXT PRIMARY KEY,
    weights TEXT NOT NULL,
    tenths  BLOB NOT NULL
) STRICT, WITHOUT ROWID;

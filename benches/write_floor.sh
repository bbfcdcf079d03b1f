#!/usr/bin/env bash
# The least a refresh that rewrites every account month can cost in this design, and what another
# design would start from. This design: the time SQLite takes to write a store's account months
# and tier rows, already computed and sorted, into empty tables of the same schema (with and
# without account_month's index by period), with no computation at all. Another: the raw columns
# a full refresh reads, read once each, and the same facts written as a row per account.
# Usage: benches/write_floor.sh STORE  (needs sqlite3; works on a copy, so the store must not be
# open for writing meanwhile). Run it on a store after `import subscriptions subs-1m.csv`
# (benches/import.sh) to set the million-row import's refresh against it.
set -euo pipefail
store="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$store" "$work/floor.db"
# Each table's own definition, renamed: the copies are what the refresh writes.
definition() {
    sqlite3 "$work/floor.db" "SELECT sql || ';' FROM sqlite_schema WHERE type IN ('table', 'index') AND tbl_name = '$1'" |
        sed "s/\b$1\b/${1}_floor/g; s/INDEX \([a-z_]*\)/INDEX \1_floor/"
}
{
    echo "PRAGMA cache_size = -65536;"
    definition account_month
    definition account_tier
    echo "CREATE TEMP TABLE am AS SELECT * FROM account_month ORDER BY account_id, period;"
    echo "CREATE TEMP TABLE at AS SELECT * FROM account_tier ORDER BY period, account_id;"
    echo "SELECT 'rows: ' || (SELECT count(*) FROM temp.am) || ' account months, ' || (SELECT count(*) FROM temp.at) || ' tier rows';"
    echo ".timer on"
    echo "BEGIN;"
    echo "INSERT INTO account_month_floor SELECT * FROM temp.am;"
    echo "INSERT INTO account_tier_floor SELECT * FROM temp.at;"
    echo "COMMIT;"
    echo ".timer off"
    echo "DROP INDEX account_month_by_period_floor;"
    echo "DELETE FROM account_month_floor;"
    echo ".timer on"
    echo "BEGIN;"
    echo "INSERT INTO account_month_floor SELECT * FROM temp.am;"
    echo "COMMIT;"
    echo "CREATE INDEX account_month_by_period_floor ON account_month_floor (period);"
} >"$work/floor.sql"
sqlite3 "$work/floor.db" <"$work/floor.sql" | awk '
    /^rows:/ { print; next }
    /^Run Time/ { t[++n] = $4 }
    END {
        printf "with the index: account months %.2f s, tier rows %.2f s, commit %.2f s: %.2f s\n", t[2], t[3], t[4], t[2] + t[3] + t[4]
        printf "account months without the index %.2f s, commit %.2f s, then the index built %.2f s\n", t[6], t[7], t[8]
    }'

# What another design would start from: reading the raw columns a full refresh reads, once each
# (the page cache warm: the store was just copied), and writing the same facts as one row per
# account (a blob of its months) instead of one per account and month.
{
    echo ".timer on"
    echo "SELECT count(*), sum(length(account_id)), sum(mrr), max(start_date), max(end_date) FROM subscription;"
    echo "SELECT count(*), max(account_id), max(opened_at), max(resolved_at), max(first_response_at), max(severity), max(phase_id) FROM ticket;"
    echo "SELECT count(*), max(account_id), max(answered_at), sum(score), max(survey), max(phase_id) FROM survey_response;"
    echo "SELECT count(*), max(account_id), max(due_on), max(paid_on) FROM invoice;"
    echo "SELECT count(*), max(account_id), max(period), sum(downtime_hours), sum(usage_index) FROM usage_month;"
    echo "BEGIN;"
    echo "CREATE TABLE account_months_blob (account_id TEXT PRIMARY KEY, months BLOB NOT NULL) WITHOUT ROWID;"
    echo "INSERT INTO account_months_blob SELECT account_id, randomblob(38 * 17) FROM account;"
    echo "CREATE TABLE account_tiers_blob (account_id TEXT PRIMARY KEY, months BLOB NOT NULL) WITHOUT ROWID;"
    echo "INSERT INTO account_tiers_blob SELECT account_id, randomblob(36 * 12) FROM account;"
    echo "COMMIT;"
} >"$work/other.sql"
sqlite3 "$work/floor.db" <"$work/other.sql" | awk '
    /^Run Time/ { t[++n] = $4 }
    END {
        printf "raw rows read once each: subscriptions %.2f s, tickets %.2f s, answers %.2f s, invoices %.2f s, usage %.2f s: %.2f s\n", t[1], t[2], t[3], t[4], t[5], t[1] + t[2] + t[3] + t[4] + t[5]
        printf "a row per account instead (38 months of MRR, 36 of tiers): %.2f s with the commit\n", t[8] + t[10] + t[11]
    }'

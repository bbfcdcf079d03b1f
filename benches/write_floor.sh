#!/usr/bin/env bash
# The least a refresh that rewrites every account month can cost in this design: the time SQLite
# takes to write a store's account months and tier rows, already computed and sorted, into empty
# tables of the same schema (with and without account_month's index by period), with no
# computation at all. Usage: benches/write_floor.sh STORE  (needs sqlite3; works on a copy, so
# the store must not be open for writing meanwhile).
# Run it on a store after `import subscriptions subs-1m.csv` (benches/import.sh) to set the
# million-row import's refresh against it.
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

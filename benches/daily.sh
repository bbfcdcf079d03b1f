#!/usr/bin/env bash
# A day's import: 1,000 new survey answers (NPS, CSAT, CES, on each journey's scale) for the
# store's last month, imported into a copy of a store, end to end (import + incremental refresh),
# then a full `rollup` on the same copy to show it changes no derived row.
#
#   benches/daily.sh STORE [ROWS]      e.g. benches/daily.sh target/stores/big.db
#
# DAILY=subscriptions imports ROWS (default 500) new subscriptions starting in the last month, for
# as many random accounts, instead of the answers.
#
# Needs sqlite3 and a release build (cargo build --release).
set -euo pipefail
store=${1:?usage: benches/daily.sh STORE [ROWS]}
kind=${DAILY:-surveys}
case "$kind" in
surveys) answers=${2:-1000} ;;
subscriptions) answers=${2:-500} ;;
*) echo "DAILY: surveys or subscriptions, not $kind" >&2; exit 2 ;;
esac
bin=${CXCOCKPIT_BIN:-${CARGO_TARGET_DIR:-target}/release/cxcockpit}
work=$(mktemp -d "${TMPDIR:-/tmp}/cx-daily.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$store" "$work/store.db"
# A fresh copy of a large store is still being written back: settle it, or the writeback adds
# seconds to what is timed.
sync "$work/store.db"
db="$work/store.db"
# Settle the copy first (a store of an older schema migrates on its first writable open).
"$bin" --db "$db" check >/dev/null || true

if [ "$kind" = subscriptions ]; then
sqlite3 -csv -header "$db" >"$work/rows.csv" <<SQL
SELECT 'DAILY' || printf('%06d', row_number() OVER ()) AS subscription_id, account_id,
       round(20 + abs(random()) % 98000 / 100.0, 2) AS mrr,
       (SELECT value FROM setting WHERE key = 'as_of') || '-' || printf('%02d', 1 + abs(random()) % 28) AS start_date,
       '' AS end_date, 'Add-on' AS product
FROM (SELECT account_id FROM account ORDER BY random() LIMIT $answers);
SQL
else
sqlite3 -csv -header "$db" >"$work/rows.csv" <<SQL
WITH month AS (SELECT value AS m FROM setting WHERE key = 'as_of'),
picked AS (
    SELECT a.account_id, a.journey_id, row_number() OVER () AS n
    FROM account a WHERE a.journey_id IS NOT NULL
    ORDER BY random() LIMIT $answers),
kinded AS (
    SELECT p.*, CASE n % 3 WHEN 0 THEN 'nps' WHEN 1 THEN 'csat' ELSE 'ces' END AS survey FROM picked p)
SELECT k.account_id,
       (SELECT m FROM month) || '-' || printf('%02d', 1 + abs(random()) % 28) AS answered_at,
       k.survey,
       sc.min_score + abs(random()) % (sc.max_score - sc.min_score + 1) AS score,
       'email survey' AS touchpoint,
       (SELECT phase_key FROM phase ph WHERE ph.journey_id = k.journey_id ORDER BY position DESC LIMIT 1) AS phase,
       'daily bench' AS comment
FROM kinded k JOIN survey_scale_in_force sc ON sc.journey_id = k.journey_id AND sc.survey = k.survey;
SQL
fi

digest() {
    # Every derived table, sorted (ties in any ORDER BY would make equal tables differ).
    for t in account_month rollup churn_month account_tier tier_watch tier_month hvc_month churned_account \
        churn_tier_month cohort_size cohort_month account_signal triage_rank indicator_outcome backtest_points; do
        printf '%s %s\n' "$t" "$(sqlite3 "$db" "SELECT * FROM $t" | LC_ALL=C sort | sha1sum)"
    done
    printf 'hvc %s\n' "$(sqlite3 "$db" "SELECT account_id, hvc FROM account ORDER BY 1" | sha1sum)"
    printf 'backtest %s\n' "$(sqlite3 "$db" "SELECT key, value FROM setting WHERE key LIKE 'triage_backtest.%' ORDER BY 1" | sha1sum)"
}

echo "== import of $(($(wc -l <"$work/rows.csv") - 1)) $kind"
/usr/bin/time -f "end to end %e s, peak %M KB" "$bin" --db "$db" import "$kind" "$work/rows.csv"
digest >"$work/after-import"
echo "== full rollup"
/usr/bin/time -f "full rollup %e s, peak %M KB" "$bin" --db "$db" rollup >/dev/null
digest >"$work/after-rollup"
if diff "$work/after-import" "$work/after-rollup"; then
    echo "derived tables identical after the full rollup"
else
    echo "DIFFERENT after the full rollup" >&2
    exit 1
fi

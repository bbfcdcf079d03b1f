#!/usr/bin/env bash
# Import speed and memory on large generated files, against the sqlite3 shell's `.import` of the
# same file into a bare table. Usage: benches/import.sh [WORKDIR]  (needs sqlite3 and GNU time).
# BASE_DB=STORE uses a copy of that store (e.g. the 100,000-account demo) instead of generating one.
#
# Builds the release binary, generates the 20000-account demo store and three files:
#   subs-1m.csv      1,000,000 subscriptions in id order (as billing systems export them)
#   subs-1m-rand.csv the same rows shuffled
#   mv-1m.csv        1,000,200 metric values: 5 imported metrics x 60 months x 3334 segments
# then times `import --dry-run` (all the work, rolled back) and the real import, whose rollup
# refresh is reported on its own line.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/cxcockpit"
cd "$work"

if [ -n "${BASE_DB:-}" ]; then
    [ -f base.db ] || sqlite3 "$BASE_DB" ".backup base.db"
else
    [ -f base.db ] || "$bin" demo --accounts 20000 --months 36 --as-of 2026-10 --out base.db >/dev/null
fi
accounts=$(sqlite3 base.db "SELECT count(*) FROM account")
[ -f subs-1m.csv ] || awk -v accounts="$accounts" 'BEGIN {
    srand(7); print "subscription_id,account_id,mrr,start_date,end_date,product"
    for (i = 0; i < 1000000; i++)
        printf "BULK%07d,A%05d,%.2f,%d-%02d-%02d,,%s\n", i, 1 + int(rand() * accounts), 10 + rand() * 990,
            2023 + int(rand() * 3), 1 + int(rand() * 12), 1 + int(rand() * 28), (rand() < 0.5 ? "Core" : "Add-on")
}' > subs-1m.csv
[ -f subs-1m-rand.csv ] || { head -1 subs-1m.csv; tail -n +2 subs-1m.csv | shuf --random-source=subs-1m.csv; } > subs-1m-rand.csv
[ -f mv-1m.csv ] || sqlite3 base.db "SELECT metric_id FROM metric WHERE aggregation = 'imported' ORDER BY 1" |
    awk 'BEGIN { srand(7); print "metric_id,period,segment,value,n" }
         { for (m = 0; m < 60; m++) for (s = 0; s < 3334; s++)
             printf "%s,%d-%02d,region-%04d,%.2f,%d\n", $1, 2021 + int((m + 10) / 12), (m + 10) % 12 + 1, s,
                 rand() * 10000, int(rand() * 1000) }' > mv-1m.csv

measure() { /usr/bin/time -f "%e s, %M KB" "$@" 2>&1 >/dev/null | tail -1; }
for spec in "subscriptions subs-1m.csv" "subscriptions subs-1m-rand.csv" "metric-values mv-1m.csv"; do
    set -- $spec
    rm -f bare.db
    echo "$2: sqlite3 .import into a bare table: $(measure sqlite3 bare.db '.mode csv' ".import $2 t")"
    cp base.db run.db
    echo "$2: cxcockpit import --dry-run:       $(measure "$bin" --db run.db import "$1" "$2" --dry-run)"
done
cp base.db run.db
echo "subs-1m.csv: cxcockpit import, committed and refreshed:"
/usr/bin/time -f "  whole command %e s, %M KB" "$bin" --db run.db import subscriptions subs-1m.csv

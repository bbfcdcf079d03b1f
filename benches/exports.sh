#!/usr/bin/env bash
# Wall time and peak memory (GNU time's maximum resident set size) of the exports that list
# every account: tiers, triage --all and churn --by accounts over the store's whole range, in
# each format, written to /dev/null; then the other reads whose output grows with the accounts
# (the tiers pane's JSON, the digest, the alerts) and the everyday tables.
# Usage: benches/exports.sh DB [BINARY]   (BINARY: target/release/cxcockpit, built if absent)
# e.g.   target/release/cxcockpit demo --out /tmp/big.db --accounts 100000 --months 36 --seed 7
#        benches/exports.sh /tmp/big.db
# The store is opened read-only; open it writable once before (`cxcockpit --db DB check`) if
# it was written by an older cxcockpit, or the migration is timed instead.
set -euo pipefail
cd "$(dirname "$0")/.."
db="${1:?usage: benches/exports.sh DB [BINARY]}"
bin="${2:-}"
if [ -z "$bin" ]; then
    cargo build --release --quiet
    bin="${CARGO_TARGET_DIR:-target}/release/cxcockpit"
fi
# The store's months, from the error message of a window before them.
range=$("$bin" --db "$db" --readonly churn --from 0001-01 2>&1 >/dev/null | sed -n 's/.*holds \([0-9-]*\) to \([0-9-]*\).*/\1 \2/p' || true)
read -r first last <<<"$range"
echo "store $db: $first to $last; binary $bin"
measure() {
    local what="$1"
    shift
    /usr/bin/time -f "%e %M" -o /tmp/exports-bench.$$ "$bin" --db "$db" --readonly "$@" >/dev/null
    read -r secs kb </tmp/exports-bench.$$
    printf '%-48s %7.2f s %8.1f MB\n' "$what" "$secs" "$(echo "$kb / 1024" | bc -l)"
}
for format in json csv table; do
    measure "tiers --format $format" --format "$format" tiers
    measure "triage --all --format $format" --format "$format" triage --all
    measure "churn --by accounts --format $format" --format "$format" churn --by accounts --from "$first" --to "$last"
done
# The other reads whose output grows with the accounts, and the everyday tables.
measure "tiers --period $first (the first month)" tiers --period "$first"
measure "tiers (the month's changes)" tiers
measure "triage (the HVC queue)" triage
measure "churn (the last month)" churn
measure "churn --from $first --to $last --by segment" churn --from "$first" --to "$last" --by segment
measure "snapshot --pane tiers --format json" --format json snapshot --pane tiers
measure "snapshot --pane tiers (first) json" --format json snapshot --pane tiers --period "$first"
measure "digest" digest
measure "alerts --dry-run" alerts --dry-run
rm -f /tmp/exports-bench.$$

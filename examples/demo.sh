#!/usr/bin/env bash
# A complete hot migration of the bundled shop database while a writer keeps
# writing to it, following the runbook with the real `mig` binary:
#   plan -> migrate -> status -> drain -> status -> cutover -> status
#   -> (traffic switch: stop the old service) -> cleanup-old -> status
# then prints the writer's summary and compares row counts old vs new.
#
# Usage: examples/demo.sh [CUSTOMERS]    (default 10000: about 100k rows)
# Env:   MIG_DEMO_RATE   writer transactions per second (default 300)
#        MIG_DEMO_KEEP=1 keep the temporary folder for a look afterwards
set -euo pipefail

customers="${1:-10000}"
rate="${MIG_DEMO_RATE:-300}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "building mig and the shop example"
cargo build --bins --examples
target="${CARGO_TARGET_DIR:-$root/target}"
mig="$target/debug/mig"
shop="$target/debug/examples/shop"

work="$(mktemp -d "${TMPDIR:-/tmp}/mig-demo.XXXXXX")"
project="$work/shop"
mkdir -p "$project"
cp examples/shop/schema.sql "$project/schema.sql"
old="$project/old.db"
new="$project/new.db"
stop_file="$work/stop-writer"
writer_log="$work/writer.log"
writer_pid=""

finish() {
    # Never leave the writer running, whatever happened.
    if [[ -n "$writer_pid" ]] && kill -0 "$writer_pid" 2>/dev/null; then
        touch "$stop_file"
        wait "$writer_pid" || true
    fi
    if [[ "${MIG_DEMO_KEEP:-0}" == 1 ]]; then
        echo "kept $work"
    else
        rm -rf "$work"
    fi
}
trap finish EXIT

step "seeding the old database ($customers customers) in $project"
"$shop" seed --db "$old" --customers "$customers"

step "starting the old service's writer ($rate transactions/s)"
"$shop" write --db "$old" --rate "$rate" --until-file "$stop_file" >"$writer_log" 2>&1 &
writer_pid=$!

step "mig plan"
"$mig" plan --old "$old" --schema "$project/schema.sql" --new "$new"

step "mig migrate"
"$mig" migrate --old "$old" --new "$new" --schema "$project/schema.sql"

step "mig status"
"$mig" status --old "$old" --new "$new"

# The writer keeps going while the new service would be deployed.
sleep 2

step "mig drain"
"$mig" drain --old "$old" --new "$new"

step "mig status"
"$mig" status --old "$old" --new "$new"

step "mig cutover"
"$mig" cutover --new "$new"

step "mig status"
"$mig" status --old "$old" --new "$new"

# Traffic switch: the old service stops before cleanup-old. (After
# cleanup-old the old database no longer refuses writes, and anything
# written there would never reach the new one.)
step "stopping the old service's writer"
touch "$stop_file"
wait "$writer_pid"
writer_pid=""
cat "$writer_log"

step "mig cleanup-old"
"$mig" cleanup-old --old "$old"

step "mig status"
"$mig" status --old "$old" --new "$new"

step "row counts, old vs new"
"$shop" count --old "$old" --new "$new"

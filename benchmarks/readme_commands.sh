#!/usr/bin/env bash
# The README's commands, in its order, on a fresh clone of this checkout: what a newcomer does in
# the first hour. Offline (the WEEX URL points at a closed local port), on the shared data.
#
#   benchmarks/readme_commands.sh            # clone, `make run`, then every command of the README
#   KEEP=1 benchmarks/readme_commands.sh     # keep the clone (its path is printed)
#   CLONE=/tmp/x/alphaloop benchmarks/readme_commands.sh   # reuse a kept clone, skip `make run`
#
# Slow (a fresh install and a model training): a benchmark, not a test. Exit 0 only if every
# command exited as the README says.
set -euo pipefail

source_dir=$(cd "$(dirname "$0")/.." && pwd)
data_dir=${ALPHALOOP_DATA_DIR:-$source_dir/../shared/data}
work=$(mktemp -d)
sim_pid=""
cleanup() {
    if [[ -n "$sim_pid" ]]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
    if [[ -z "${KEEP:-}" ]]; then rm -rf "$work"; else echo "kept: $work"; fi
}
trap cleanup EXIT

step() {  # step EXPECTED_EXIT_CODE COMMAND...
    local expected=$1; shift
    echo "== $*"
    set +e
    "$@"
    local code=$?
    set -e
    if [[ $code -ne $expected ]]; then
        echo "FAILED: '$*' exited $code, expected $expected" >&2
        exit 1
    fi
}

if [[ -n "${CLONE:-}" ]]; then
    cd "$CLONE"
else
    git clone --quiet "$source_dir" "$work/alphaloop"
    cd "$work/alphaloop"
fi
export ALPHALOOP_DATA_DIR="$data_dir"
export ALPHALOOP_WEEX__BASE_URL="http://127.0.0.1:9"   # offline: nothing listens there
unset WEEX_API_KEY WEEX_SECRET_KEY WEEX_PASSPHRASE WOOX_API_KEY WOOX_API_SECRET || true

# Two commands
if [[ -z "${CLONE:-}" ]]; then step 0 make run; fi
al=.venv/bin/alphaloop

# What to do next
rm -rf reports/q3 reports/bt-ml   # a reused clone (CLONE=...): `run --out` refuses a folder with a journal
step 0 "$al" --help
step 0 "$al" version
step 0 "$al" demo
step 0 "$al" run --days 3 --out reports/q3 --strategy sma
step 0 "$al" model list
step 0 "$al" model info
step 0 "$al" backtest --strategy ml --start 2025-09-01 --seeds 2 --out reports/bt-ml

"$al" sim serve --speed 3600 --port 0 --api-key k --secret-key s --passphrase p > sim.out 2> sim.err &
sim_pid=$!
for _ in $(seq 100); do grep -q "serving" sim.out 2>/dev/null && break; sleep 0.2; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' sim.out)
rm -f data/journal.sqlite
step 0 env WEEX_API_KEY=k WEEX_SECRET_KEY=s WEEX_PASSPHRASE=p \
    "$al" paper --base-url "$url" --poll 0.2 --max-cycles 2 --strategy hold --db data/journal.sqlite
step 0 "$al" status --db data/journal.sqlite

# Usage
step 0 "$al" data list
step 0 "$al" audit --db data/journal.sqlite
step 0 "$al" ailog status --db data/journal.sqlite
step 0 "$al" ailog flush --db data/journal.sqlite
step 0 "$al" halt --reason "readme check" --db data/journal.sqlite
step 0 "$al" resume --db data/journal.sqlite
step 0 env WEEX_API_KEY=k WEEX_SECRET_KEY=s WEEX_PASSPHRASE=p "$al" qualify --base-url "$url"

# Troubleshooting: one line and exit 2
step 2 "$al" qualify --base-url notaurl
step 2 "$al" backtest --symbols ""
step 2 "$al" paper --base-url http://127.0.0.1:9

echo "all README commands behaved as documented"

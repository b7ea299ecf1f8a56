#!/usr/bin/env bash
# Directory-scan throughput: Linger against a floor measured in the same run (cat of every file,
# page cache warm), with peers when installed. Usage:
#   Benchmarks/directory-scan.sh [DIR] [RUNS]
# DIR defaults to /usr/include (C headers: ordinary source code, >100 MB on a Debian machine with
# the build dependencies installed). Each tool runs RUNS times (default 3); the best wall time and
# the highest peak RSS are reported. Peers run without network (unshare -n) so none can reach a
# provider API.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-/usr/include}"
runs="${2:-3}"
[ -d "$corpus" ] || { echo "no such directory: $corpus" >&2; exit 2; }

swift build -c release --product linger >/dev/null
linger="$(swift build -c release --show-bin-path)/linger"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

files=$(find "$corpus" -type f | wc -l)
bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1e6}')
echo "corpus: $corpus — $files files, $mb MB; $(nproc) cores; best of $runs runs"

source Benchmarks/common.sh

report() { # name seconds rss floor
    awk -v n="$1" -v s="$2" -v r="$3" -v f="$4" -v b="$bytes" 'BEGIN {
        if (s < 0.005) s = 0.005
        if (f < 0.005) f = 0.005
        printf "%-16s %8.2f s  %8.1f MB/s  %6.2f x floor  peak RSS %6.1f MiB\n", n, s, b/1e6/s, s/f, r/1024 }'
}

# Warm the page cache, then the floor.
find "$corpus" -type f -exec cat {} + >/dev/null 2>&1 || true
read -r floor floor_rss < <(measure bash -c "find '$corpus' -type f -exec cat {} + > /dev/null 2>&1")
report "floor (cat)" "$floor" "$floor_rss" "$floor"

export LINGER_CACHE_DIR="$work/cache"
"$linger" scan "$corpus" --no-verify --format json >/dev/null 2>&1 || true   # fill the rule-database cache
read -r s r < <(measure "$linger" scan "$corpus" --no-verify --format json --output "$work/linger.json")
report "linger" "$s" "$r" "$floor"
python3 - "$work/linger.json" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
c = collections.Counter(f["rule"] for f in d["findings"])
print(f"                 linger: {len(d['findings'])} findings, {len(d['skipped'])} skipped; by rule: {dict(c.most_common(8))}")
PY
read -r s r < <(measure "$linger" scan "$corpus" --no-verify --format json --output "$work/linger1.json" --jobs 1)
report "linger -j1" "$s" "$r" "$floor"

if command -v kingfisher >/dev/null; then
    read -r s r < <(measure $net kingfisher scan "$corpus" --no-validate --no-update-check --format json)
    report "kingfisher" "$s" "$r" "$floor"
fi
if [ -n "$gitleaks" ] && [ -x "$gitleaks" ]; then
    read -r s r < <(measure $net "$gitleaks" dir "$corpus" --no-banner --report-path "$work/gitleaks.json" --exit-code 0)
    report "gitleaks 8.30.1" "$s" "$r" "$floor"
fi
if command -v detect-secrets >/dev/null && [ "${DETECT_SECRETS:-1}" = 1 ]; then
    runs_saved=$runs; runs=1
    read -r s r < <(measure $net bash -c "cd '$corpus' && detect-secrets scan --all-files .")
    report "detect-secrets" "$s" "$r" "$floor"
    runs=$runs_saved
fi

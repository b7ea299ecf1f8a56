#!/usr/bin/env bash
# Linger's demo: build, scan the sample files, then sweep the history of the sample repository
# (whose leaked tokens were deleted, left on a side branch or reachable only from a tag).
set -uo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product linger || exit 2
linger="$(swift build -c release --show-bin-path)/linger"

# The samples are fake: asking providers about them (live checks) would only bother the providers.
echo "== linger scan Samples --no-verify"
"$linger" scan Samples --no-verify

repo="$(mktemp -d)/leaky-history.git"
git clone -q --mirror Samples/leaky-history/leaky-history.bundle "$repo"
echo
echo "== linger scan --git (history of Samples/leaky-history/leaky-history.bundle)"
"$linger" scan --git "$repo" --no-verify
status=$?
rm -rf "$(dirname "$repo")"
exit "$status"

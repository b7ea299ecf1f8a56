#!/usr/bin/env bash
# The scan step of Linger's GitHub Action (action.yml), kept in a file so that tests run it.
# Picks what to scan from the event: an explicit LINGER_SINCE; a pull request's base; a push's
# `before` commit; otherwise the whole history. Writes SARIF to LINGER_SARIF and prints the text
# report; exits with linger's gate status (0 pass, 1 findings, 2 error, 3 live secret).
#
# Environment: LINGER_SINCE, LINGER_BASE (pull request base sha), LINGER_BEFORE (push before sha),
# LINGER_FAIL_ON (any|medium|high|live; default any), LINGER_SARIF (default linger.sarif),
# LINGER_REPOSITORY (default .).
set -uo pipefail
repo="${LINGER_REPOSITORY:-.}"
sarif="${LINGER_SARIF:-linger.sarif}"
fail_on="${LINGER_FAIL_ON:-any}"
zero="0000000000000000000000000000000000000000"

mode=(--git)
if [ -n "${LINGER_SINCE:-}" ]; then
    mode=(--since "$LINGER_SINCE")
elif [ -n "${LINGER_BASE:-}" ]; then
    mode=(--since "$LINGER_BASE")
elif [ -n "${LINGER_BEFORE:-}" ] && [ "$LINGER_BEFORE" != "$zero" ] \
    && git -C "$repo" cat-file -e "${LINGER_BEFORE}^{commit}" 2>/dev/null; then
    mode=(--range "${LINGER_BEFORE}..HEAD")
fi
echo "linger: scanning ${mode[*]} in $repo (fail on: $fail_on)"

linger scan "${mode[@]}" "$repo" --fail-on "$fail_on" --no-progress
status=$?
linger scan "${mode[@]}" "$repo" --fail-on "$fail_on" --no-progress --format sarif --output "$sarif" || true
if [ ! -s "$sarif" ]; then
    echo "linger: no SARIF written to $sarif" >&2
    [ "$status" -eq 0 ] && status=2
fi
exit "$status"

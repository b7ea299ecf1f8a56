#!/usr/bin/env bash
# The scan step of Linger's GitHub Action (action.yml), kept in a file so that tests run it.
# Picks what to scan from the event: an explicit LINGER_SINCE; a pull request's base; a push's
# `before` commit; otherwise the whole history. Scans once, writing the SARIF report to
# LINGER_SARIF beside the text report; exits with linger's gate status (0 pass, 1 findings,
# 2 error, 3 live secret). Under GitHub Actions it also sets the step outputs exit-code, findings
# and sarif.
#
# Environment: LINGER_SINCE, LINGER_BASE (pull request base sha), LINGER_BEFORE (push before sha),
# LINGER_FAIL_ON (default any), LINGER_SARIF (default linger.sarif), LINGER_VERIFY (true|false,
# default true), LINGER_ARGS (more arguments for `linger scan`, split on spaces),
# LINGER_REPOSITORY (default .).
set -uo pipefail
repo="${LINGER_REPOSITORY:-.}"
sarif="${LINGER_SARIF:-linger.sarif}"
fail_on="${LINGER_FAIL_ON:-any}"
zero="0000000000000000000000000000000000000000"

has_commit() { git -C "$repo" cat-file -e "${1}^{commit}" 2>/dev/null; }
shallow_hint() {
    if [ "$(git -C "$repo" rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
        echo "linger: $1 is not in this checkout because it is shallow; give actions/checkout" \
            "'fetch-depth: 0' so the commits to scan and their base are present" >&2
    else
        echo "linger: $1 is not a commit in this repository" >&2
    fi
}

mode=(--git)
if [ -n "${LINGER_SINCE:-}" ]; then
    mode=(--since "$LINGER_SINCE")
elif [ -n "${LINGER_BASE:-}" ]; then
    if ! has_commit "$LINGER_BASE"; then
        shallow_hint "the pull request's base $LINGER_BASE"
        exit 2
    fi
    mode=(--since "$LINGER_BASE")
elif [ -n "${LINGER_BEFORE:-}" ] && [ "$LINGER_BEFORE" != "$zero" ] && has_commit "$LINGER_BEFORE"; then
    mode=(--range "${LINGER_BEFORE}..HEAD")
fi
extra=()
case "${LINGER_VERIFY:-true}" in
    false|0|no) extra+=(--no-verify) ;;
esac
if [ -n "${LINGER_ARGS:-}" ]; then
    read -r -a more <<< "$LINGER_ARGS"
    extra+=("${more[@]}")
fi
echo "linger: scanning ${mode[*]} in $repo (fail on: $fail_on)"

json="$(mktemp)"
trap 'rm -f "$json"' EXIT
linger scan "${mode[@]}" "$repo" --fail-on "$fail_on" --no-progress "${extra[@]}" \
    --report "sarif=$sarif" --report "json=$json"
status=$?
if [ ! -s "$sarif" ]; then
    echo "linger: no SARIF written to $sarif" >&2
    [ "$status" -eq 0 ] && status=2
fi
findings="$(grep -o '"findings" : [0-9]*' "$json" 2>/dev/null | grep -o '[0-9]*$' || true)"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
        echo "exit-code=$status"
        echo "findings=${findings:-0}"
        echo "sarif=$sarif"
    } >> "$GITHUB_OUTPUT"
fi
exit "$status"

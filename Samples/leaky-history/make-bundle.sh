#!/usr/bin/env bash
# Rebuilds leaky-history.bundle: a small repository whose history leaks fake credentials that its
# final work tree no longer shows. Deterministic (fixed names and dates); the tokens are generated
# here from fixed seeds so that no token appears literally in this script.
#   bash Samples/leaky-history/make-bundle.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

token() { # prefix seed: a GitHub-style token with a valid CRC-32 checksum
    python3 - "$1" "$2" <<'PY'
import random, sys, zlib
alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
rng = random.Random(int(sys.argv[2]))
body = "LingerDemo" + "".join(rng.choice(alphabet) for _ in range(20))
n, out = zlib.crc32(body.encode()), ""
while True:
    out = alphabet[n % 62] + out
    n //= 62
    if n == 0:
        break
print(sys.argv[1] + body + out.rjust(6, "0"))
PY
}

export GIT_AUTHOR_NAME="Dana Developer" GIT_AUTHOR_EMAIL="dana@linger.invalid"
export GIT_COMMITTER_NAME="Dana Developer" GIT_COMMITTER_EMAIL="dana@linger.invalid"
step=0
commit() {
    step=$((step + 1))
    export GIT_AUTHOR_DATE="2026-0${1}-1${step} 10:00:00 +0000" GIT_COMMITTER_DATE="2026-0${1}-1${step} 10:00:00 +0000"
    git -C "$work/repo" add -A
    git -C "$work/repo" commit -q -m "$2"
}

git init -q -b main "$work/repo"
cd "$work/repo"
printf 'print("hello")\n' > app.py
commit 1 "Initial commit"

printf 'GITHUB_TOKEN=%s\n' "$(token ghp_ 1)" > .env
commit 2 "Add local settings"

git rm -q .env
printf '.env\n' > .gitignore
commit 3 "Remove settings, ignore .env"

git checkout -q -b experiment
printf 'NPM_TOKEN=%s\n' "$(token npm_ 2)" > .npmrc
commit 4 "Try publishing from CI"
git checkout -q main
printf 'print("hello, world")\n' > app.py
commit 5 "Friendlier greeting"

git checkout -q --detach
printf 'deploy_token: %s\n' "$(token ghs_ 3)" > deploy.yml
commit 6 "Release 1.0 deploy settings"
git tag v1.0
git checkout -q main

git bundle create -q "$here/leaky-history.bundle" --all
echo "wrote $here/leaky-history.bundle"

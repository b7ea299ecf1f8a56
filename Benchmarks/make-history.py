#!/usr/bin/env python3
"""Builds a deterministic git repository from a seed, for history-scan benchmarks that CI can run.

    make-history.py DEST [--commits N] [--files N] [--seed S]

Each commit edits a few source-like files (and now and then renames or deletes one); one commit in
fifty plants a fake, checksum-valid GitHub-style token, and a later commit deletes it, so the
history holds secrets the work tree does not. Uses git fast-import: quick, and no network.
"""
import argparse, random, subprocess, zlib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
WORDS = "buffer parse request handle config token stream client server value index record update".split()


def base62(n, width=6):
    out = ""
    while True:
        out = ALPHABET[n % 62] + out
        n //= 62
        if n == 0:
            break
    return out.rjust(width, "0")


def fake_token(rng):
    body = "LingerBench" + "".join(rng.choice(ALPHABET) for _ in range(19))
    return "ghp_" + body + base62(zlib.crc32(body.encode()))


def source_file(rng, lines):
    out = []
    for i in range(lines):
        a, b = rng.choice(WORDS), rng.choice(WORDS)
        out.append(f"static int {a}_{b}_{i}(struct {b} *p) {{ return p->{a} + {rng.randint(0, 9999)}; }}")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dest")
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    subprocess.run(["git", "init", "-q", "--bare", args.dest], check=True)
    files = {f"src/mod{i // 50}/file{i}.c": source_file(rng, rng.randint(20, 200)) for i in range(args.files)}
    planted = []
    stream = []
    mark = 0
    for number in range(args.commits):
        changes = {}
        deletes = []
        for _ in range(rng.randint(1, 4)):
            path = rng.choice(sorted(files))
            lines = files[path].splitlines(keepends=True)
            at = rng.randrange(len(lines))
            lines[at] = source_file(rng, 1)
            files[path] = "".join(lines)
            changes[path] = files[path]
        if number % 50 == 10:
            path = f"config/secrets{number}.env"
            files[path] = f"GITHUB_TOKEN={fake_token(rng)}\n"
            changes[path] = files[path]
            planted.append(path)
        elif planted and number % 50 == 30:
            path = planted.pop()
            del files[path]
            deletes.append(path)
        stream.append(f"commit refs/heads/main\ncommitter Bench <bench@linger.invalid> {1700000000 + number * 600} +0000\n")
        message = f"change {number}"
        stream.append(f"data {len(message)}\n{message}\n")
        for path in deletes:
            stream.append(f"D {path}\n")
        for path, text in sorted(changes.items()):
            data = text.encode()
            stream.append(f"M 100644 inline {path}\ndata {len(data)}\n")
            stream.append(data.decode() + "\n")
        mark += 1
    subprocess.run(["git", "-C", args.dest, "fast-import", "--quiet"], input="".join(stream).encode(), check=True)
    subprocess.run(["git", "-C", args.dest, "gc", "-q", "--aggressive"], check=True)


if __name__ == "__main__":
    main()

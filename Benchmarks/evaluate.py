#!/usr/bin/env python3
"""Recall and precision of `linger scan` on a labelled corpus generated from a seed.

The corpus: files in many languages and formats (.env, YAML, JSON, Python, JavaScript, Go, Java,
Terraform, Dockerfile, properties, XML, shell, Markdown, Kubernetes Secrets), ordinary code as
filler, fake credentials of every family planted in the forms people write them (assignments,
headers, URLs, base64 in Kubernetes Secrets, PEM blocks), and hard negatives that look like
secrets but are not (placeholders, environment lookups, documented example keys, checksum-invalid
tokens, UUIDs and digests named as ids and hashes, lockfile integrity values, go.sum lines,
public keys, truncated PEM, test stand-ins, publishable keys).

Every planted value is generated here, from the seed, in the token's public format; nothing is a
real credential. A finding is a true positive when it is on a planted secret's line and reports
that secret; any other finding is a false positive of the family of the rule that reported it.

With `--plant-into REPO` (repeatable; a clone or bare snapshot of a public repository, read at
evaluation time and never copied into this repository), a second corpus is made of real files
from those repositories (code, configuration, manifests and docs of the kinds above, C included),
each with one to three generated secrets or hard negatives inserted at random lines. The
unmodified files are scanned first: what they already hold is counted apart as `unlabelled`
(neither right nor wrong, since nobody here labelled it), and every other finding that is not a
planted secret is a false positive. The forms secrets are written in are still ours; the files
around them, and whatever they hold that looks like a secret, are not.

    python3 Benchmarks/evaluate.py [--seed N] [--files N] [--linger PATH] [--keep DIR] [--json FILE]
                                   [--plant-into REPO ...] [--real-files N] [--listed N]

Prints recall and precision per family and overall for each corpus, and exits 1 when the
generated corpus's overall recall or precision is below 95% or a family is below 85% (the
real-files figures are reported, not gated).
"""
import argparse
import base64
import binascii
import collections
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import urllib.parse
import zlib

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64URL = ALNUM + "-_"
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def rs(r, alphabet, n):
    return "".join(r.choice(alphabet) for _ in range(n))


def base62(number, width):
    out = ""
    while number:
        out = B62[number % 62] + out
        number //= 62
    return out.rjust(width, "0")


def checksummed(r, prefix):
    body = rs(r, ALNUM, 30)
    return prefix + body + base62(zlib.crc32(body.encode()), 6)


def uuid(r):
    return "-".join(rs(r, HEX, n) for n in (8, 4, 4, 4, 12))


def b64(text):
    return base64.b64encode(text.encode()).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def password(r):
    # Passwords people choose for services: mixed, with symbols, 12-24 characters.
    return rs(r, ALNUM, r.randint(6, 10)) + r.choice("!#%&*+-=?@^~") + rs(r, ALNUM, r.randint(4, 10))


def macaroon(r):
    ident = bytes(r.getrandbits(8) for _ in range(16))
    caveat = b'{"version": 1, "permissions": "user"}'
    sig = bytes(r.getrandbits(8) for _ in range(32))
    body = b"\x02\x01\x08pypi.org\x02" + bytes([len(ident)]) + ident + b"\x00\x02" + bytes([len(caveat)]) + caveat
    return "pypi-" + b64url(body + b"\x00\x00\x06\x20" + sig)


def jwt(r):
    import hashlib
    import hmac

    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    claims = b64url(json.dumps({"sub": rs(r, HEX, 12), "iat": 1796000000, "exp": 1796000000 + r.randint(3600, 10**7)}).encode())
    key = rs(r, ALNUM, 32).encode()
    signature = b64url(hmac.new(key, f"{header}.{claims}".encode(), hashlib.sha256).digest())
    return f"{header}.{claims}.{signature}"


class Keys:
    """Private keys made with openssl and ssh-keygen, once per run (they are slow to make)."""

    def __init__(self, work, count):
        self.pems = []
        for index in range(count):
            kind = ["RSA", "EC", "ED25519", "OPENSSH"][index % 4]
            path = os.path.join(work, f"key{index}")
            if kind == "OPENSSH":
                subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ci@example.invalid", "-f", path],
                               check=True, capture_output=True)
            elif kind == "RSA":
                subprocess.run(["openssl", "genrsa", "-traditional", "-out", path, "2048"], check=True, capture_output=True)
            elif kind == "EC":
                subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path],
                               check=True, capture_output=True)
            else:
                subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", path], check=True, capture_output=True)
            self.pems.append(open(path).read().strip())


# Families: name -> (how to make a secret, the rule ids that count as finding it). The secret's
# context (the variable it is assigned to) comes from `names`.
def families(keys):
    return {
        "github": (lambda r: r.choice([checksummed(r, p) for p in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")]),
                   ["github-pat", "github-oauth-token", "github-user-to-server-token", "github-server-to-server-token",
                    "github-refresh-token"], ["GITHUB_TOKEN", "gh_token"]),
        "github-fine-grained": (lambda r: "github_pat_" + rs(r, ALNUM, 22) + "_" + rs(r, ALNUM, 59),
                                ["github-fine-grained-pat"], ["GH_PAT"]),
        "gitlab": (lambda r: "glpat-" + rs(r, B64URL, 20), ["gitlab-pat"], ["GITLAB_TOKEN", "private_token"]),
        "aws-key-id": (lambda r: "AKIA" + rs(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), ["aws-access-key-id"],
                       ["AWS_ACCESS_KEY_ID", "aws_access_key_id"]),
        "aws-secret": (lambda r: rs(r, ALNUM + "+/", 40), ["aws-secret-access-key"],
                       ["AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"]),
        "slack": (lambda r: "xoxb-" + str(r.randint(10**10, 10**12)) + "-" + str(r.randint(10**11, 10**12)) + "-" + rs(r, ALNUM, 24),
                  ["slack-bot-token"], ["SLACK_BOT_TOKEN", "slack_token"]),
        "slack-webhook": (lambda r: "https://hooks.slack.com/services/T" + rs(r, string.ascii_uppercase + string.digits, 10)
                          + "/B" + rs(r, string.ascii_uppercase + string.digits, 10) + "/" + rs(r, ALNUM, 24),
                          ["slack-webhook-url"], ["SLACK_WEBHOOK_URL", "webhook"]),
        "stripe": (lambda r: "sk_live_" + rs(r, ALNUM, 99), ["stripe-secret-key"], ["STRIPE_SECRET_KEY", "stripe_key"]),
        "google-api-key": (lambda r: "AIza" + rs(r, B64URL, 35), ["google-api-key"], ["GOOGLE_API_KEY", "apiKey"]),
        "openai": (lambda r: "sk-proj-" + rs(r, B64URL, 74) + "T3BlbkFJ" + rs(r, B64URL, 74), ["openai-api-key"],
                   ["OPENAI_API_KEY", "openai_key"]),
        "anthropic": (lambda r: "sk-ant-api03-" + rs(r, B64URL, 93) + "AA", ["anthropic-api-key"], ["ANTHROPIC_API_KEY"]),
        "huggingface": (lambda r: "hf_" + rs(r, string.ascii_letters, 34), ["huggingface-token"], ["HF_TOKEN"]),
        "npm": (lambda r: checksummed(r, "npm_"), ["npm-access-token"], ["NPM_TOKEN", "_authToken"]),
        "pypi": (macaroon, ["pypi-token"], ["TWINE_PASSWORD", "pypi_token"]),
        "sendgrid": (lambda r: "SG." + rs(r, B64URL, 22) + "." + rs(r, B64URL, 43), ["sendgrid-api-key"], ["SENDGRID_API_KEY"]),
        "twilio": (lambda r: "SK" + rs(r, HEX, 32), ["twilio-api-key"], ["TWILIO_API_KEY"]),
        "digitalocean": (lambda r: "dop_v1_" + rs(r, HEX, 64), ["digitalocean-token"], ["DIGITALOCEAN_TOKEN"]),
        "shopify": (lambda r: "shpat_" + rs(r, HEX, 32), ["shopify-access-token"], ["SHOPIFY_ACCESS_TOKEN"]),
        "docker-hub": (lambda r: "dckr_pat_" + rs(r, B64URL, 27), ["docker-hub-token"], ["DOCKERHUB_TOKEN"]),
        "datadog": (lambda r: rs(r, HEX, 32), ["datadog-api-key"], ["DD_API_KEY", "datadog_api_key"]),
        "new-relic": (lambda r: "NRAK-" + rs(r, string.ascii_uppercase + string.digits, 27), ["new-relic-user-key"],
                      ["NEW_RELIC_API_KEY"]),
        "sentry": (lambda r: "sntryu_" + rs(r, HEX, 64), ["sentry-user-token"], ["SENTRY_AUTH_TOKEN"]),
        "grafana": (lambda r: "glsa_" + rs(r, ALNUM, 32) + "_" + rs(r, HEX, 8), ["grafana-service-account-token"],
                    ["GRAFANA_TOKEN"]),
        "groq": (lambda r: "gsk_" + rs(r, ALNUM, 52), ["groq-api-key"], ["GROQ_API_KEY"]),
        "telegram": (lambda r: str(r.randint(10**8, 10**9)) + ":AA" + rs(r, B64URL, 33), ["telegram-bot-token"],
                     ["TELEGRAM_BOT_TOKEN"]),
        "square": (lambda r: "EAAA" + rs(r, B64URL, 60), ["square-access-token"], ["SQUARE_ACCESS_TOKEN"]),
        "azure-storage": (lambda r: rs(r, ALNUM + "+/", 86) + "==", ["azure-storage-account-key"], ["AZURE_STORAGE_KEY"]),
        "vault": (lambda r: "hvs." + rs(r, B64URL, 95), ["hashicorp-vault-token"], ["VAULT_TOKEN"]),
        "linear": (lambda r: "lin_api_" + rs(r, ALNUM, 40), ["linear-api-key"], ["LINEAR_API_KEY"]),
        "databricks": (lambda r: "dapi" + rs(r, HEX, 32), ["databricks-token"], ["DATABRICKS_TOKEN"]),
        "age": (lambda r: "AGE-SECRET-KEY-1" + rs(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58), ["age-secret-key"],
                ["SOPS_AGE_KEY"]),
        "jwt": (jwt, ["jwt"], ["SESSION_TOKEN", "id_token"]),
        "private-key": (lambda r: r.choice(keys.pems), ["private-key-rsa", "private-key-ec", "private-key-pkcs8",
                                                        "private-key-openssh"], ["key"]),
        "database-url": (lambda r: r.choice(["postgres", "mysql", "mongodb", "redis", "amqp"]) + "://app:"
                         + urllib.parse.quote(password(r), safe="")
                         + "@db" + str(r.randint(1, 9)) + ".internal:5432/app", ["url-embedded-password"], ["DATABASE_URL"]),
        "generic-password": (password, ["generic-password"], ["DB_PASSWORD", "smtp_password", "adminPassword"]),
        "generic-api-key": (lambda r: rs(r, ALNUM, 32), ["generic-api-key"], ["API_KEY", "partner_api_key"]),
    }


FILLER = {
    "py": ["import os", "def handler(event, context):", "    items = [x for x in range(10)]", "    return {'status': 200}",
           "logger = logging.getLogger(__name__)", "class Config:", "    DEBUG = False", "    retries = 3"],
    "js": ["const express = require('express');", "app.get('/health', (req, res) => res.send('ok'));",
           "module.exports = { port: 8080 };", "function sum(a, b) { return a + b; }", "let retries = 3;"],
    "go": ["package main", "import \"fmt\"", "func main() {", "\tfmt.Println(\"ready\")", "}", "var timeout = 30"],
    "java": ["package com.example.billing;", "public class Invoice {", "    private final long id;", "}",
             "    public int total() { return 0; }"],
    "env": ["NODE_ENV=production", "PORT=8080", "LOG_LEVEL=info", "FEATURE_FLAGS=checkout,search"],
    "yaml": ["service:", "  name: billing", "  replicas: 3", "  image: registry.example.com/billing:1.4.2",
             "  env:", "    - name: LOG_LEVEL", "      value: info"],
    "json": ['  "name": "billing",', '  "version": "1.4.2",', '  "private": true,', '  "port": 8080,'],
    "tf": ['resource "aws_s3_bucket" "logs" {', '  bucket = "billing-logs"', '}', 'variable "region" { default = "eu-west-1" }'],
    "properties": ["server.port=8080", "spring.application.name=billing", "logging.level.root=INFO"],
    "xml": ["<configuration>", "  <appSettings>", '    <add key="Environment" value="Production" />', "  </appSettings>",
            "</configuration>"],
    "sh": ["#!/bin/sh", "set -eu", "echo \"deploying\"", "cd /srv/app", "./migrate --up"],
    "md": ["# Setup", "Run the service with `make run`.", "", "## Configuration", "Set the variables below before starting."],
    "dockerfile": ["FROM debian:12-slim", "WORKDIR /app", "COPY . .", "RUN make build", "CMD [\"./app\"]"],
}

EXTENSIONS = {"py": ".py", "js": ".js", "go": ".go", "java": ".java", "env": ".env", "yaml": ".yaml", "json": ".json",
              "tf": ".tf", "properties": ".properties", "xml": ".config", "sh": ".sh", "md": ".md",
              "dockerfile": "Dockerfile"}


def assignment(kind, name, value, r):
    """How a value is written in a file of this kind, as a list of lines."""
    if "\n" in value:
        if kind in ("yaml",):
            return [f"{name}: |"] + ["  " + line for line in value.split("\n")]  # the label moves down a line
        if kind == "json":
            return [f'  "{name}": "{value.replace(chr(10), chr(92) + "n")}",']
        return value.split("\n")
    forms = {
        "py": [f'{name} = "{value}"', f"{name.upper()} = '{value}'"],
        "js": [f'const {name} = "{value}";', f"  {name}: '{value}',"],
        "go": [f'\t{name} := "{value}"', f'const {name} = "{value}"'],
        "java": [f'    private static final String {name.upper()} = "{value}";'],
        "env": [f"{name.upper()}={value}", f'{name.upper()}="{value}"'],
        "yaml": [f"{name}: {value}", f'  {name}: "{value}"'],
        "json": [f'  "{name}": "{value}",'],
        "tf": [f'  {name.lower()} = "{value}"'],
        "properties": [f"{name.lower().replace('_', '.')}={value}"],
        "xml": [f'    <add key="{name}" value="{value}" />'],
        "sh": [f'export {name.upper()}="{value}"', f"{name.upper()}={value} ./run.sh"],
        "md": [f"    export {name.upper()}={value}"],
        "dockerfile": [f"ENV {name.upper()}={value}"],
        "c": [f'#define {name.upper()} "{value}"', f'static const char *{name.lower()} = "{value}";'],
    }
    return [r.choice(forms[kind])]


def negatives(r):
    """Hard negatives: (kind-agnostic line, why). None of them is a secret."""
    fake_github = "ghp_" + rs(r, ALNUM, 36)  # fails its checksum
    uid = uuid(r)
    digest = rs(r, HEX, 64)
    integrity = "sha512-" + base64.b64encode(bytes(r.getrandbits(8) for _ in range(64))).decode()
    return r.choice([
        "API_KEY=your-api-key-here",
        "password: ${DB_PASSWORD}",
        'token = os.environ["GITHUB_TOKEN"]',
        "const apiKey = process.env.STRIPE_SECRET_KEY;",
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        f"GITHUB_TOKEN={fake_github}",
        f'request_id = "{uid}"',
        f'"commit": "{rs(r, HEX, 40)}",',
        f"sha256: {digest}",
        f'    "integrity": "{integrity}",',
        f"golang.org/x/net v0.{r.randint(1, 30)}.0 h1:{base64.b64encode(bytes(r.getrandbits(8) for _ in range(32))).decode()}",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(r, ALNUM, 43) + " deploy@example.invalid",
        "password = get_password_from_vault()",
        "token = self.config.api_token",
        'password = "testpass"',
        "secret: changeme",
        "STRIPE_PUBLISHABLE_KEY=pk_live_" + rs(r, ALNUM, 99),
        f"checksum_md5 = {rs(r, HEX, 32)}",
        "-----BEGIN RSA PRIVATE KEY-----",
        'password = "<password>"',
        'api_key = "{{ api_key }}"',
        f"image: registry.example.com/billing@sha256:{digest}",
        "DB_PASSWORD=",
        'logo = "data:image/png;base64,' + base64.b64encode(bytes(r.getrandbits(8) for _ in range(60))).decode() + '"',
    ])


def plant(r, kind, fams):
    """One generated secret of a random family as written in a file of `kind`: the lines, and
    (line offset within them, family, secret) for each secret they hold."""
    family = r.choice(list(fams))
    if family == "private-key" and kind not in ("yaml", "json", "env", "md", "sh", "py"):
        family = "github"
    make, _, names = fams[family]
    secret = make(r)
    if family == "aws-key-id":
        # The pair, as people write it.
        secret_key = fams["aws-secret"][0](r)
        first = assignment(kind, "aws_access_key_id", secret, r)
        return (first + assignment(kind, "aws_secret_access_key", secret_key, r),
                [(0, family, secret), (len(first), "aws-secret", secret_key)])
    written = assignment(kind, r.choice(names), secret, r)
    # A block value starts on the line after its name.
    return written, [(1 if written[0].endswith(": |") else 0, family, secret)]


def make_corpus(root, seed, file_count, keys):
    r = random.Random(seed)
    fams = families(keys)
    labels = []  # (path, line, family, secret)
    negatives_planted = 0
    kinds = list(FILLER)
    for index in range(file_count):
        kind = r.choice(kinds + ["k8s"])
        folder = r.choice(["app", "config", "deploy", "services/billing", "services/search", "scripts", "docs"])
        name = f"{folder}/f{index:05d}" + (EXTENSIONS.get(kind, ".yaml") if kind != "dockerfile" else "/Dockerfile")
        lines = []
        planted = []  # (line index, family, secret)

        def filler():
            for _ in range(r.randint(1, 5)):
                lines.append(r.choice(FILLER[kind if kind != "k8s" else "yaml"]))

        if kind == "k8s":
            lines += ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: svc-{index}", "type: Opaque", "data:"]
            for _ in range(r.randint(1, 3)):
                family = r.choice(["github", "slack", "stripe", "openai", "sendgrid", "generic-password", "database-url"])
                make, _, names = fams[family]
                secret = make(r)
                planted.append((len(lines), family, secret))
                lines.append(f"  {r.choice(names).upper()}: {b64(secret)}")
        else:
            filler()
            for _ in range(r.randint(0, 3)):
                if r.random() < 0.35:
                    lines.append(negatives(r))
                    negatives_planted += 1
                else:
                    written, marks = plant(r, kind, fams)
                    for offset, family, secret in marks:
                        planted.append((len(lines) + offset, family, secret))
                    lines += written
                filler()
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        for line_index, family, secret in planted:
            labels.append((name, line_index + 1, family, secret))
    return labels, negatives_planted, fams


# Real files: which of the kinds above a path is, by its name. Other files are not planted into.
REAL_KINDS = {".py": "py", ".js": "js", ".mjs": "js", ".ts": "js", ".go": "go", ".java": "java", ".kt": "java",
              ".env": "env", ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".tf": "tf",
              ".properties": "properties", ".xml": "xml", ".config": "xml", ".sh": "sh", ".bash": "sh",
              ".md": "md", ".c": "c", ".h": "c"}


def real_kind(path):
    base = os.path.basename(path)
    if base == "Dockerfile" or base.startswith("Dockerfile."):
        return "dockerfile"
    if base.startswith(".env"):
        return "env"
    return REAL_KINDS.get(os.path.splitext(base)[1].lower())


def real_files(repo):
    """(path, text) of every plantable text file at HEAD of a clone or bare repository, read now."""
    listing = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "-l", "HEAD"], check=True, capture_output=True,
                             text=True).stdout.splitlines()
    for row in listing:
        meta, path = row.split("\t", 1)
        mode, kind, sha, size = meta.split()
        if kind != "blob" or mode == "120000" or size == "-" or not 0 < int(size) <= 200_000 or not real_kind(path):
            continue
        data = subprocess.run(["git", "-C", repo, "cat-file", "blob", sha], check=True, capture_output=True).stdout
        if b"\0" in data:
            continue
        try:
            yield path, data.decode("utf-8")
        except UnicodeDecodeError:
            continue


def make_planted_corpus(root, base_root, seed, repos, file_count, keys):
    """Generated secrets planted at random lines of real files from public repositories.

    The unmodified files go to base_root (scanned alone, so that what they already hold is known),
    the planted copies to root. Returns labels as make_corpus does."""
    r = random.Random(seed)
    fams = families(keys)
    pools = []
    for repo in repos:
        name = os.path.basename(os.path.dirname(os.path.abspath(repo))) if os.path.basename(repo) == "repo" \
            else os.path.basename(os.path.abspath(repo))
        files = list(real_files(repo))
        r.shuffle(files)
        pools.append((name, files))
    picked = []
    while len(picked) < file_count and any(files for _, files in pools):
        for name, files in pools:
            if files and len(picked) < file_count:
                picked.append((name, *files.pop()))
    labels = []
    negatives_planted = 0
    for repo_name, path, text in picked:
        kind = real_kind(path)
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        inserts = []  # (before original line index, [lines], [(offset, family, secret)])
        for _ in range(r.randint(1, 3)):
            at = r.randint(0, len(lines))
            if r.random() < 0.3:
                inserts.append((at, [negatives(r)], []))
                negatives_planted += 1
                continue
            inserts.append((at, *plant(r, kind, fams)))
        inserts.sort(key=lambda item: item[0])
        out = []
        planted = []
        cursor = 0
        for at, added, marks in inserts:
            out += lines[cursor:at]
            cursor = at
            for offset, family, secret in marks:
                planted.append((len(out) + offset, family, secret))
            out += added
        out += lines[cursor:]
        relative = os.path.join(repo_name, path)
        for target, body in ((root, out), (base_root, lines)):
            full = os.path.join(target, relative)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as handle:
                handle.write("\n".join(body) + "\n")
        for line_index, family, secret in planted:
            labels.append((relative, line_index + 1, family, secret))
    return labels, negatives_planted, fams, len(picked)


def scan(linger, root):
    # --no-verify: the corpus is fake, and providers are not to be asked about it.
    run = subprocess.run([linger, "scan", root, "--format", "json", "--show-secrets", "--no-progress", "--no-verify",
                          "--ungrouped"], capture_output=True, text=True, env={**os.environ, "CI": ""})
    if run.returncode not in (0, 1, 3):
        sys.exit(f"linger failed ({run.returncode}): {run.stderr}")
    return json.loads(run.stdout)["findings"]


def normalised(secret):
    # A PEM key is reported as written: with \n escapes in JSON, indented in a YAML block.
    return "".join(secret.replace("\\n", "\n").split())


def score(labels, findings, fams, already=frozenset()):
    """Per-family figures. A finding whose (path, secret) the unmodified files already held is
    neither right nor wrong here: it is counted apart, as `unlabelled`."""
    rule_family = {}
    for family, (_, rules, _) in fams.items():
        for rule in rules:
            rule_family.setdefault(rule, family)
    by_place = collections.defaultdict(list)
    for label in labels:
        by_place[(label[0], label[1])].append(label)
    found = set()
    tp = collections.Counter()
    fp = collections.Counter()
    false_positives = []
    unlabelled = []
    for finding in findings:
        secret = normalised(finding["secret"])
        matches = []
        for label in by_place.get((finding["path"], finding["line"]), []):
            planted_secret = "".join(label[3].split())
            if planted_secret == secret or (len(secret) >= 8 and (secret in planted_secret or planted_secret in secret)):
                matches.append(label)
        family = rule_family.get(finding["rule"], "other:" + finding["rule"])
        if matches:
            for label in matches:
                found.add(label)
            tp[matches[0][2]] += 1
        elif (finding["path"], secret) in already:
            unlabelled.append(finding)
        else:
            fp[family] += 1
            false_positives.append(finding)
    planted = collections.Counter(label[2] for label in labels)
    recalled = collections.Counter(label[2] for label in found)
    rows = []
    for family in sorted(set(planted) | set(fp)):
        recall = recalled[family] / planted[family] if planted[family] else None
        reported = tp[family] + fp[family]
        precision = tp[family] / reported if reported else None
        rows.append((family, planted[family], recalled[family], recall, fp[family], precision))
    total_tp = sum(tp.values())
    total_fp = sum(fp.values())
    return {
        "rows": rows, "found": found, "false_positives": false_positives, "unlabelled": unlabelled,
        "recall": len(found) / len(labels) if labels else 1.0,
        "precision": total_tp / (total_tp + total_fp) if total_tp + total_fp else 1.0,
        "false_positive_count": total_fp,
    }


def report(title, labels, result, listed):
    def pct(value):
        return "   -  " if value is None else f"{value * 100:5.1f}%"

    print(title)
    print(f"{'family':24} {'planted':>7} {'found':>6} {'recall':>7} {'false+':>6} {'precision':>9}")
    for family, count, hit, recall, false_count, precision in result["rows"]:
        print(f"{family:24} {count:7} {hit:6} {pct(recall):>7} {false_count:6} {pct(precision):>9}")
    print(f"{'overall':24} {len(labels):7} {len(result['found']):6} {pct(result['recall']):>7} "
          f"{result['false_positive_count']:6} {pct(result['precision']):>9}")
    missed = [label for label in labels if label not in result["found"]]
    for label in missed[:listed]:
        print(f"missed: {label[2]} at {label[0]}:{label[1]}")
    for finding in result["false_positives"][:listed]:
        print(f"false positive: {finding['rule']} at {finding['path']}:{finding['line']}: {finding['context'][:100]}")


def as_json(result):
    return {"recall": result["recall"], "precision": result["precision"],
            "families": [{"family": f, "planted": c, "found": h, "recall": rc, "false_positives": x, "precision": p}
                         for f, c, h, rc, x, p in result["rows"]]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--linger", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "linger"))
    parser.add_argument("--keep", help="write the corpus here and keep it")
    parser.add_argument("--json", help="write the figures as JSON to this file")
    parser.add_argument("--plant-into", action="append", default=[], metavar="REPO",
                        help="also plant into real files of this clone or bare repository (repeatable)")
    parser.add_argument("--real-files", type=int, default=600, help="real files to plant into (default 600)")
    parser.add_argument("--listed", type=int, default=10, help="misses and false positives to list (default 10)")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="linger-eval-")
    root = args.keep or os.path.join(work, "corpus")
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    try:
        keys = Keys(work, 8)
        labels, negatives_planted, fams = make_corpus(root, args.seed, args.files, keys)
        generated = score(labels, scan(args.linger, root), fams)
        outside = None
        if args.plant_into:
            planted_root = args.keep.rstrip("/") + "-real" if args.keep else os.path.join(work, "planted")
            if os.path.exists(planted_root):
                shutil.rmtree(planted_root)
            base_root = os.path.join(work, "unmodified")
            real_labels, real_negatives, _, real_count = make_planted_corpus(
                planted_root, base_root, args.seed, args.plant_into, args.real_files, keys)
            already = {(f["path"], normalised(f["secret"])) for f in scan(args.linger, base_root)}
            outside = (real_labels, real_negatives, real_count, already,
                       score(real_labels, scan(args.linger, planted_root), fams, already))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    report(f"generated corpus: seed {args.seed}, {args.files} files, {len(labels)} planted secrets, "
           f"{negatives_planted} hard negatives", labels, generated, args.listed)
    results = {"seed": args.seed, "files": args.files, **as_json(generated)}
    ok = True
    for result in [generated]:
        weakest = [row for row in result["rows"] if row[1] and ((row[3] or 0) < 0.85 or (row[5] is not None and row[5] < 0.85))]
        ok = ok and result["recall"] >= 0.95 and result["precision"] >= 0.95 and not weakest
    if outside:
        real_labels, real_negatives, real_count, already, result = outside
        print()
        report(f"real files planted into: {real_count} files of {len(args.plant_into)} repositories, "
               f"{len(real_labels)} planted secrets, {real_negatives} hard negatives", real_labels, result, args.listed)
        print(f"unlabelled: {len(already)} findings the unmodified files already held "
              f"(neither right nor wrong here; read them with linger scan on the repositories)")
        results["outside"] = {"repositories": args.plant_into, "files": real_count, "already": len(already),
                              **as_json(result)}
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
    # The gate is the generated corpus: the outside figures are reported, not held to a floor.
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

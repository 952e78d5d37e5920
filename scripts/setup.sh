#!/usr/bin/env bash
# Makes a fresh machine ready for the demo, the tests and the benchmarks, and is quick when it already is.
# - npm packages, including Node.js 22 itself (the `node` package puts it first on PATH in npm scripts);
# - the Debian packages of the local sandbox: nginx, Apache with mod_xsendfile (and mime.types), lighttpd (and its
#   mod_deflate, for the compression fault),
#   gunicorn, Django with django-downloadview and django-storages' S3 backend (packaged apart, as
#   python3-django-storages-boto3: a recommends, which --no-install-recommends would skip), boto3;
# - Debian's chromium (and a font), which the HTML report's browser test drives headless: nothing downloads a
#   browser build;
# - Prometheus's own Python client (python3-prometheus-client), whose strict text-format parser reads `serve`'s
#   /metrics and /probe in the tests; and, for the tests only, Prometheus itself, which scrapes serve with the
#   scrape config docs/serve.md gives;
# - npm's cache: what the package test installs offline (a new CDK app's packages; this package's own, for its
#   install from a git URL);
# - the package in dist/ (scripts/dist.ts), rebuilt when a source changed.
# moto's server (moto_server) comes with the machine; see the README.
# `--demo`: what the demo needs only, without npm's caches for the package test (half a fresh clone's demo time).
set -euo pipefail
cd "$(dirname "$0")/.."
for_tests=true
[ "${1:-}" = "--demo" ] && for_tests=false

stamp=node_modules/.setup-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "setup: installing npm packages" >&2
  # `npm install`, not `npm ci`: the registry here serves only some of Biome's per-platform optional packages,
  # so the lockfile cannot list them all and `npm ci` refuses it as out of sync. --no-save keeps the lockfile as is.
  npm install --no-save --no-audit --no-fund --loglevel=error >&2
  touch "$stamp"
fi

debs=(nginx-light apache2-bin libapache2-mod-xsendfile lighttpd lighttpd-mod-deflate media-types gunicorn python3-django python3-django-downloadview python3-django-storages python3-django-storages-boto3 python3-boto3 python3-prometheus-client curl chromium fonts-dejavu-core)
if $for_tests; then debs+=(prometheus); fi
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v moto_server >/dev/null 2>&1; then
  echo "setup: moto_server is not on PATH; install moto[server] (5.x) with pip" >&2
  exit 1
fi
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "setup: cfn-lint is not on PATH (the template tests fail without it); install cfn-lint (1.x) with pip" >&2
fi

# npm's cache holds what the package test (test/package) installs offline into a new CDK app: the packages of a
# `cdk init` app, pinned to this repository's versions. Filled once, from the registry, into a throwaway directory.
warm=node_modules/.consumer-cache-stamp
if $for_tests && { [ ! -f "$warm" ] || [ package-lock.json -nt "$warm" ] || [ test/package/consumer-deps.ts -nt "$warm" ]; }; then
  echo "setup: caching the packages of a new CDK app (for the package test)" >&2
  tmp="$(mktemp -d)"
  specs="$(node_modules/.bin/node test/package/consumer-deps.ts)"
  # shellcheck disable=SC2086 # one word per package spec
  (cd "$tmp" && echo '{"name":"warm","private":true}' > package.json &&
    npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error $specs >&2)
  rm -rf "$tmp"
  touch "$warm"
fi

# npm's cache also holds what installing this package from a git URL needs, offline (the package test does): npm
# installs the repository's own dependencies, development ones included, in its clone, and their scripts run (the
# `node` package fetches its binary). An install over a node_modules that is already there fetches nothing, so
# the cache may lack some: filled once per lockfile, from the registry, into a throwaway directory (the manifest
# without this package's own scripts, which need its sources).
warm=node_modules/.git-install-cache-stamp
if $for_tests && { [ ! -f "$warm" ] || [ package-lock.json -nt "$warm" ]; }; then
  echo "setup: caching the packages a git install of this package needs (for the package test)" >&2
  tmp="$(mktemp -d)"
  node_modules/.bin/node -e '
    const fs = require("node:fs");
    const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
    delete p.scripts;
    fs.writeFileSync(process.argv[1] + "/package.json", JSON.stringify(p));' "$tmp"
  cp package-lock.json "$tmp/"
  (cd "$tmp" && npm install --prefer-offline --no-save --no-audit --no-fund --loglevel=error >&2)
  rm -rf "$tmp"
  touch "$warm"
fi

# The package in dist/ (the CLI, the library and the Lambda bundles), when a source changed since the last build.
node_modules/.bin/tsx scripts/dist.ts --if-stale

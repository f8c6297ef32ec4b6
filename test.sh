#!/usr/bin/env bash
# Install ISM Study with its test extras and run the whole test suite: ./test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-test-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[test]'
    rm -f .venv/.installed-test-* && touch "$stamp"
fi
# The single-sign-on test's OpenID Connect provider (npm, pinned in tests/oidc/package-lock.json).
if command -v npm >/dev/null 2>&1 && [ ! -d tests/oidc/node_modules/oidc-provider ]; then
    (cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error) || echo "warning: npm ci in tests/oidc failed; the single-sign-on test cannot run" >&2
fi
exec .venv/bin/python -m pytest "$@"

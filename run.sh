#!/usr/bin/env bash
# Set up and start ISM Study: ./run.sh [streamlit arguments, e.g. --server.port 8600]
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e .
    rm -f .venv/.installed-* && touch "$stamp"
fi
.venv/bin/study init
.venv/bin/study demo --if-empty
exec .venv/bin/python -m streamlit run server.py "$@"

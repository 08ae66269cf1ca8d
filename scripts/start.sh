#!/usr/bin/env bash
# Sets everything up and starts the app. With no store yet, the app builds the demo store
# (about 20,000 members, 1.5 M events; under a minute) on first open.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/streamlit run app.py "$@"

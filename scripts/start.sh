#!/usr/bin/env bash
# Sets everything up and starts the app. With no store yet, the app builds the demo store
# (about 20,000 members, 1.5 M events; under a minute) on first open.
#
# The server listens on this machine only (127.0.0.1) unless MEMBERLENS_ADDRESS says
# otherwise; to serve other machines, put the TLS reverse proxy of docs/DEPLOY.md in front
# rather than opening Streamlit's own port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/streamlit run app.py --server.address "${MEMBERLENS_ADDRESS:-127.0.0.1}" "$@"

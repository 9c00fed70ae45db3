#!/usr/bin/env bash
# Set up and start the app. On the embedded SQLite database (no DATABASE_URL) the sample data
# is loaded on first start and the demo accounts are printed once; a real database is only
# migrated, never seeded (set SEED_SAMPLE=1 to seed it anyway).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh requirements.txt
.venv/bin/python -m data_access init
if [ -z "${DATABASE_URL:-}" ] || [ "${SEED_SAMPLE:-0}" = "1" ]; then
  .venv/bin/python -m data_access seed
fi
exec .venv/bin/python -m streamlit run dashboard/app.py --browser.gatherUsageStats false "$@"

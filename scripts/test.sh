#!/usr/bin/env bash
# Set up and run the whole test suite on a fresh Debian machine: installs PostgreSQL, Chromium,
# nginx and CJK fonts with apt-get when missing, the Python packages into .venv, starts a throwaway
# PostgreSQL server on 127.0.0.1 for the run, then lints (ruff, mypy) and runs pytest (browser tests too).
# Extra arguments go to pytest: `bash scripts/test.sh -m "not slow"` is the quick loop (README, Tests).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)  # tests/browser/test_replicas.py
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing with apt-get: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/setup_venv.sh requirements-dev.txt

port=$(.venv/bin/python -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
pg_env=$(PGPORT=$port bash scripts/pg_throwaway.sh)
PGDATA_DIR=$(printf '%s\n' "$pg_env" | sed -n 's/^PGDATA=//p')
export TEST_POSTGRES_URL=$(printf '%s\n' "$pg_env" | sed -n 's/^TEST_POSTGRES_URL=//p')
trap 'bash scripts/pg_throwaway.sh stop "$PGDATA_DIR"' EXIT
echo "PostgreSQL for the tests: $TEST_POSTGRES_URL" >&2

.venv/bin/ruff check data_access dashboard pages tests benchmarks sample_data
.venv/bin/mypy data_access dashboard
# Two workers sharing the tests one by one (`loadgroup`: a module with a module-scoped fixture, such
# as its own app server, stays on one worker; tests/conftest.py marks those). PYTEST_WORKERS=0 runs
# everything in one process.
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup "$@"

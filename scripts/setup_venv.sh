#!/usr/bin/env bash
# Create .venv and install a requirements file into it, only when the file changed since the
# last install (a hash stamp inside .venv). Usage: scripts/setup_venv.sh requirements.txt
set -euo pipefail
cd "$(dirname "$0")/.."
req=${1:-requirements.txt}
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=".venv/.stamp-$(basename "$req")"
want=$(cat "$req" requirements.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing Python packages from $req …" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi
# Byte-compile the project as pip does an installed package: where PYTHONDONTWRITEBYTECODE is set, every
# command would otherwise compile its 13,000 lines again (0.1–0.2 s of each `python -m data_access import`).
# Python checks each .pyc against its source, so an edited module is compiled afresh.
.venv/bin/python -m compileall -q data_access dashboard pages benchmarks >/dev/null

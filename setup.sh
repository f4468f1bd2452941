#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install adoptsim with its test tools.
# Usage: bash setup.sh        (idempotent; safe to re-run)
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
  local c v
  for c in "${ADOPTSIM_PYTHON:-}" python3.13 python3.12 python3; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1; then
      v=$("$c" -c 'import sys; print(int(sys.version_info >= (3, 12)))' 2>/dev/null || echo 0)
      [ "$v" = 1 ] && { command -v "$c"; return 0; }
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for c in "$(pyenv root)"/versions/3.13*/bin/python "$(pyenv root)"/versions/3.12*/bin/python; do
      [ -x "$c" ] && { echo "$c"; return 0; }
    done
  fi
  for c in "$HOME"/.pyenv/versions/3.1[23]*/bin/python /usr/local/bin/python3.1[23] /usr/bin/python3.1[23]; do
    [ -x "$c" ] && { echo "$c"; return 0; }
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PY=$(find_python) || { echo "setup.sh: need Python >= 3.12 (set ADOPTSIM_PYTHON=/path/to/python3.12)" >&2; exit 1; }
  echo "setup.sh: creating .venv with $PY ($("$PY" --version))"
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]" -c constraints.txt  # the pinned numerical stack (constraints.txt)
echo "setup.sh: ready (.venv/bin/adoptsim)"

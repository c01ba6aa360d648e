#!/usr/bin/env bash
# Build the desktop bundle: dist/outbound/ (one folder; run dist/outbound/outbound).
# Uses the project's .venv with the pinned bundle tools: pip install -e '.[bundle]'.
# PyInstaller's work and cache folders stay inside build/, so a clean clone builds
# from nothing and nothing outside the clone is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
export PYINSTALLER_CONFIG_DIR="$PWD/build/pyinstaller-cache"
"$python" -m PyInstaller --noconfirm --log-level WARN \
    --workpath build/pyinstaller --distpath dist packaging/outbound.spec
echo "Built dist/outbound/: $(du -sm dist/outbound | cut -f1) MB"

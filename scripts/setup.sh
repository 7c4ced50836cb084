#!/usr/bin/env bash
# Set up everything Odyssey needs on a fresh Debian/Ubuntu machine (idempotent):
# the system libraries Qt needs, Xvfb for the real-window test, a virtual environment
# in .venv, and the exact tested versions from constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  # Qt's xcb and offscreen platforms
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 fonts-dejavu-core
  # a real X screen for the window test and screenshots; xdotool reads window titles
  xvfb xauth imagemagick xdotool
)

PY=${PYTHON:-python3}
# A bare Debian has no Python, or one without venv/ensurepip: take Debian's then.
if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  DEB_PACKAGES+=(python3 python3-venv python3-pip)
  PY=python3
fi

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "Installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# constraints.txt pins torch to the CPU build and PySide6 to 6.11.3 (6.12.0 crashes on 3.11).
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test,package,cluster]'

#!/usr/bin/env bash
# Build Odyssey as a one-folder program: dist/odyssey/odyssey (plus dist/odyssey/_internal).
# Usage: packaging/build.sh [extra PyInstaller options, e.g. --clean]
# Needs PyInstaller in the venv: .venv/bin/pip install -e '.[package]'
# Prints the build time, the bundle's size and its 10 largest items; fails if the Qt
# platform plugins or torch's shm manager are missing from the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  echo "build.sh: PyInstaller is not installed; run: $PY -m pip install -e '.[package]'" >&2
  exit 2
fi
if [ "$(uname -s)" = "Linux" ]; then
  # The xcb platform plugin needs these; the bundle carries them only if they are here.
  missing=()
  known="$(ldconfig -p 2>/dev/null || true)"
  for lib in libxcb-icccm.so.4 libxcb-keysyms.so.1 libxcb-cursor.so.0; do
    [[ "$known" == *"$lib"* ]] || missing+=("$lib")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "build.sh: missing ${missing[*]}; install libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0" \
      "(apt-get install, or scripts/setup.sh) so the bundle can carry them" >&2
    exit 2
  fi
fi

start=$(date +%s%N)
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
  "$@" packaging/odyssey.spec
end=$(date +%s%N)

out=dist/odyssey
internal="$out/_internal"
problems=()
[ -x "$out/odyssey" ] || problems+=("$out/odyssey (the program)")
if [ "$(uname -s)" = "Linux" ]; then
  for f in PySide6/Qt/plugins/platforms/libqxcb.so PySide6/Qt/plugins/platforms/libqoffscreen.so \
    libxcb-icccm.so.4 libxcb-keysyms.so.1 libxcb-cursor.so.0; do
    [ -e "$internal/$f" ] || problems+=("$f")
  done
  [ -x "$internal/torch/bin/torch_shm_manager" ] || problems+=("torch/bin/torch_shm_manager")
fi
if [ ${#problems[@]} -gt 0 ]; then
  echo "build.sh: the bundle lacks: ${problems[*]}" >&2
  exit 1
fi

set +o pipefail # head closes the pipes below early (SIGPIPE is expected)
ms=$(((end - start) / 1000000))
printf 'build time: %d.%d s\n' $((ms / 1000)) $((ms % 1000 / 100))
echo "bundle size: $(du -sh "$out" | cut -f1) ($(du -sb "$out" | cut -f1) bytes) in $out"
echo "10 largest folders (one and two levels into _internal):"
for d in "$internal"/*/ "$internal"/*/*/; do
  [ -d "$d" ] || continue
  d="${d%/}"
  printf '%s\t%s/\n' "$(du -sb "$d" | cut -f1)" "${d#"$internal"/}"
done | sort -rn | head -10 | awk -F'\t' '{ printf "  %8.1f MB  %s\n", $1 / 1048576, $2 }'
echo "10 largest files:"
find "$internal" -type f -printf '%s\t%P\n' | sort -rn | head -10 |
  awk -F'\t' '{ printf "  %8.1f MB  %s\n", $1 / 1048576, $2 }'

#!/usr/bin/env bash
# Install this Odyssey folder for the current user: the program, a menu entry and its icon.
#   ./install.sh              copy this folder to ~/.local/lib/odyssey and register it
#   ./install.sh --uninstall  remove what the install put there
# PREFIX=/usr/local sudo ./install.sh installs for every user instead.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${PREFIX:-$HOME/.local}"
dest="$prefix/lib/odyssey"
apps="$prefix/share/applications"
icons="$prefix/share/icons/hicolor"

refresh() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$dest"
  rm -f "$prefix/bin/odyssey" "$apps/odyssey.desktop" "$icons"/*/apps/odyssey.png \
    "$icons/scalable/apps/odyssey.svg"
  refresh
  echo "Odyssey removed from $prefix"
  exit 0
fi

if [ ! -x "$here/odyssey" ] || [ ! -d "$here/_internal" ]; then
  echo "install.sh: run me from inside the odyssey folder (next to the odyssey program)" >&2
  exit 2
fi
if [ "$here" != "$dest" ]; then
  rm -rf "$dest"
  mkdir -p "$dest"
  cp -a "$here/." "$dest/"
fi
mkdir -p "$prefix/bin" "$apps" "$icons/scalable/apps"
ln -sfn "$dest/odyssey" "$prefix/bin/odyssey"
for png in "$dest"/share/icons/odyssey-*.png; do
  size="$(basename "$png" .png)"
  size="${size#odyssey-}"
  install -D -m 644 "$png" "$icons/${size}x${size}/apps/odyssey.png"
done
install -m 644 "$dest/share/icons/odyssey.svg" "$icons/scalable/apps/odyssey.svg"
# A desktop entry needs the program's full path (~/.local/bin is not always on PATH).
sed -e "s|^Exec=odyssey|Exec=\"$dest/odyssey\"|" -e "s|^TryExec=odyssey|TryExec=$dest/odyssey|" \
  "$dest/share/odyssey.desktop" >"$apps/odyssey.desktop"
chmod 644 "$apps/odyssey.desktop"
refresh
echo "Odyssey installed in $dest"
echo "  menu entry: $apps/odyssey.desktop"
echo "  command:    $prefix/bin/odyssey"

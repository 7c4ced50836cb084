"""Render the app icon (resources/odyssey.svg) to the PNG sizes Linux desktops
look for and to a Windows .ico, into resources/icons/. Uses Qt's SVG renderer, so no other
tool is needed: `.venv/bin/python packaging/render_icons.py` (offscreen, no screen).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "odyssey.svg"
OUT = ROOT / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - needed by QPainter
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    images = {}
    for size in SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        images[size] = img
        path = OUT / f"odyssey-{size}.png"
        if not img.save(str(path)):
            print(f"cannot write {path}", file=sys.stderr)
            return 1
        print(f"wrote {path.relative_to(ROOT)}")
    ico = OUT / "odyssey.ico"
    ico.write_bytes(png_ico([(size, (OUT / f"odyssey-{size}.png").read_bytes()) for size in SIZES]))
    print(f"wrote {ico.relative_to(ROOT)}")
    return 0


def png_ico(pngs: list[tuple[int, bytes]]) -> bytes:
    """A Windows .ico holding each size as an embedded PNG (supported since Vista)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, data in pngs:
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


if __name__ == "__main__":
    sys.exit(main())

"""Import Qt without PySide6's per-import source scan (first import of the GUI's path).

Once PySide6.QtCore is imported, PySide6 calls a hook after every module import in the
process (for its opt-in `from __feature__ import snake_case` syntax). The hook reads
each new module's whole source (`inspect.getsource`) to see whether it names PySide6,
and records 0 ("uses PySide, no feature selected") or -1 ("ignore"). For the ~450
modules the window imports after Qt (pyqtgraph, numpy, pydantic, ours) that scan took
about 50 ms of a 0.47 s start on a 2-core machine.

Odyssey selects no __feature__ anywhere, so every module's answer is the same: no
feature. `skip_feature_scan` records that answer without reading the source. A module
that does `from __feature__ import ...` still sets its own entry, as before.
If a PySide6 version no longer has the hook, nothing changes.
"""

from __future__ import annotations

import sys

import PySide6.QtCore  # noqa: F401 - installs the hook this module replaces


def _no_feature(_module) -> bool:
    return True  # "uses PySide6": its feature set is the default, none selected


def skip_feature_scan() -> bool:
    """Replace the hook's source scan; True if it was there to replace."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = _no_feature
    return True


skip_feature_scan()

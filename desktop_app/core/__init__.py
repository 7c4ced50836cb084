"""Qt-free core: specs, data, models, the training engine, metrics and files.

Nothing in this package may import PySide6, pyqtgraph or desktop_app.ui; an
import-linter contract in pyproject.toml and tests/core/test_layers.py enforce it.
"""

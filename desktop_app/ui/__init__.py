"""Qt layer: PySide6 widgets, pyqtgraph plots and the training thread over desktop_app.core."""

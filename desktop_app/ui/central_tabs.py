"""The window's central area: the training plots and the inside of the network, as two
tabs (Alt+T, Alt+I), and the recorded runs (Alt+U: Alt+R is the Run menu). Only the tab
on screen draws; the others keep what they were fed, and a running run computes only the
live views of the tab on screen (none while the runs are shown)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QTabWidget, QWidget


def central_tabs(plots: QWidget, inside: QWidget, runs: QWidget | None = None) -> QTabWidget:
    tabs = QTabWidget()
    tabs.setObjectName("centralTabs")
    tabs.setAccessibleName("Training plots or the inside of the network")
    tabs.setDocumentMode(True)
    tabs.addTab(plots, "&Training")
    tabs.addTab(inside, "&Inside the network")
    tabs.setTabToolTip(0, "Loss, metric and learning rate as the run goes")
    tabs.setTabToolTip(1, "Weights, activations and gradient health of the network, live")
    if runs is not None:  # the recorded runs (ui/panels/runs.py), Alt+U
        tabs.setTabToolTip(tabs.addTab(runs, "R&uns"), "Every run recorded: compare, reopen")
    return tabs


def report_shown_views(tabs: QTabWidget, set_views_shown: Callable[..., None]) -> None:
    """Tell the run which live views are on screen, now and at each change of tab: the
    boundary is on the first tab, the inside of the network on the second."""

    def shown(index: int) -> None:
        set_views_shown(boundary=index == 0, inside=index == 1)

    tabs.currentChanged.connect(shown)
    shown(tabs.currentIndex())

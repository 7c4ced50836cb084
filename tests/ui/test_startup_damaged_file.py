"""`odyssey damaged.json` (issue 15): the window opens on the default project and says
what is wrong with the file, whatever the damage; it never exits with a traceback."""

import os

import pytest

from desktop_app.core.specs.project import Project

DAMAGE = {
    "nested": "[" * 100_000 + "]" * 100_000,
    "digits": '{"format_version": ' + "9" * 5000 + "}",
    "not_utf8": b"\xff\xfe{}",
    "loose_types": '{"model": {"hidden": [{"units": "10"}]}}',
    "tilde_user": '{"data": {"dataset": "table", "table": {"path": "~nosuchuser_o/t.csv",'
    ' "target": "y"}}}',
}


@pytest.mark.parametrize("kind", [*DAMAGE, "fifo"])
def test_a_damaged_project_on_the_command_line_opens_the_window_with_a_message(
    qtbot, tmp_path, kind
):
    from desktop_app.app import create_main_window

    path = tmp_path / f"{kind}.json"
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(path)
    else:
        data = DAMAGE[kind]
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    window = create_main_window([str(path)])
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.show()
    qtbot.waitExposed(window)
    assert window.isVisible()
    assert window.session.project == Project()
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    text = window.banner.text()
    assert "Could not open the project" in text and str(path) in text, text

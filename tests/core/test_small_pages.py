"""A table load asks numpy for ordinary pages, and gives numpy's huge-page hint back as
it was, however loads nest or overlap on threads."""

import threading

from desktop_app.core.memory import hugepage_switch, small_pages


def hint() -> bool:
    switch = hugepage_switch()
    now = switch(True)
    switch(now)
    return bool(now)


def test_the_hint_is_off_during_a_load_and_back_after_nested_and_overlapping_loads():
    switch = hugepage_switch()
    assert switch is not None  # the numpy this project pins has it
    for before in (True, False):
        switch(before)
        with small_pages():
            assert hint() is False
            with small_pages():
                assert hint() is False
            assert hint() is False  # the inner load's end keeps it off for the outer
        assert hint() is before
    switch(True)

    inside, go = threading.Event(), threading.Event()

    def other_load():
        with small_pages():
            inside.set()
            go.wait(5)

    t = threading.Thread(target=other_load)
    with small_pages():
        t.start()
        inside.wait(5)
    assert hint() is False  # the other thread's load is still running
    go.set()
    t.join(5)
    assert hint() is True

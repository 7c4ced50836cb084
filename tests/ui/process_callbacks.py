"""Engine callbacks for tests that train in the training process: pickled by reference,
so the process imports this module (spawn hands it the test run's sys.path)."""

from __future__ import annotations

import logging
import os

from desktop_app.core.callbacks import Callback


class WarnsAtTheStart(Callback):
    """Logs a warning as the run begins, in whichever process trains it."""

    def on_train_begin(self, trainer) -> None:
        logging.getLogger("odyssey.test.child").warning(
            "a warning from the run (process %d)", os.getpid()
        )

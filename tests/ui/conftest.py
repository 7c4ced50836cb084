"""Qt tests run offscreen: set the platform before anything imports Qt."""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

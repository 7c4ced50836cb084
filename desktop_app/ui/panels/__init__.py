"""One panel per part of the project: dataset, architecture, optimizer and training.

Each panel edits one spec, emits `changed`, and never imports the worker, the
controller or the main window.
"""

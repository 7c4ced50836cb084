"""Headless commands on the same core as the GUI: train, predict, info, init, datasets.

Bad input ends with exit status 2 and a one-line reason on stderr; no traceback.

The package: main (run_cli: dispatch and exit status), parser (the arguments), train
(the train command), table (its --data options), progress (its console output),
commands (predict, info, init, datasets).
"""

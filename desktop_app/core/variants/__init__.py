"""Runs made of several runs: repeats over seeds or folds, baselines from scikit-learn on
the project's own split, and races of 2–4 variants trained side by side."""

"""The Evaluation window (Results ▸ Evaluate…): the per-class table and the decision
threshold, ROC and precision-recall curves, residuals, the rows behind a confusion-matrix
cell and the largest losses, permutation importance and partial dependence. What it
shows is computed by core.evaluate on the window's own job runner, never in the GUI
thread."""

"""Judging a trained model on its test split: the per-class table and the decision
threshold (classes), ROC and precision-recall curves (curves), the test rows in the
data's own units and their losses (rows), permutation importance and partial
dependence (importance), and all of it from one model and split (report). No Qt here;
the Evaluation window (ui.evaluation) shows what these compute, off the GUI thread."""

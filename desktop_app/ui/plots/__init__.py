"""One live plot per file: loss, metric, learning rate; and the results' confusion matrix
and predicted-vs-actual scatter. Shared machinery lives in base.py."""

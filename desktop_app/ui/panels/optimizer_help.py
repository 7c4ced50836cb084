"""Names and learner-facing explanations for the Optimizer and training panel.

Kept apart from the panel's code so the wording can be reviewed (and one day
translated) in one place. Each tooltip explains the idea in a sentence or two.
"""

from __future__ import annotations

# The settings each choice uses (the panel hides the others with their labels).
OPTIMIZER_FIELDS = {
    "sgd": {"momentum", "nesterov"},
    "adam": {"beta1", "beta2"},
    "adamw": {"beta1", "beta2"},
    "rmsprop": {"momentum"},
    "adagrad": set(),
}
SCHEDULE_FIELDS = {
    "constant": set(),
    "step": {"step_size", "gamma"},
    "multistep": {"milestones", "gamma"},
    "exponential": {"gamma"},
    "cosine": {"min_lr"},
    "onecycle": set(),
    "plateau": {"plateau_patience", "gamma", "min_lr"},
}


GOALS = ("train_loss_goal", "val_loss_goal", "val_metric_goal", "max_seconds", "min_grad_norm")


OPTIMIZER_NAMES = {
    "sgd": (
        "SGD",
        "Stochastic gradient descent: step each weight against its gradient, scaled by the "
        "learning rate. Simple and well understood; momentum helps it a lot.",
    ),
    "adam": (
        "Adam",
        "Adapts a step size per weight from running averages of the gradient and its "
        "square. Works well with little tuning: the usual first choice.",
    ),
    "adamw": (
        "AdamW",
        "Adam with weight decay applied directly to the weights rather than through the "
        "gradient; regularises more predictably than Adam with weight decay.",
    ),
    "rmsprop": (
        "RMSprop",
        "Divides each step by a running average of recent gradient sizes, so steep and "
        "flat directions move at similar speeds.",
    ),
    "adagrad": (
        "Adagrad",
        "Shrinks each weight's step as its gradients accumulate: fast progress early, "
        "then ever smaller steps.",
    ),
}

SCHEDULE_NAMES = {
    "constant": ("Constant", "Keep the learning rate the same for the whole run."),
    "step": ("Step", "Multiply the learning rate by gamma every 'step size' epochs."),
    "multistep": ("Multi-step", "Multiply the learning rate by gamma at each listed epoch."),
    "exponential": ("Exponential", "Multiply the learning rate by gamma after every epoch."),
    "cosine": (
        "Cosine annealing",
        "Lower the learning rate along a half cosine, from its start value down to the "
        "minimum at the last epoch.",
    ),
    "onecycle": (
        "One cycle",
        "Warm the learning rate up to its value, then anneal it far below: often reaches "
        "a good model in fewer epochs.",
    ),
    "plateau": (
        "Reduce on plateau",
        "Multiply the learning rate by the factor when the validation loss has not "
        "improved for 'patience' epochs.",
    ),
}

LOSS_NAMES = {
    "auto": ("auto", "Pick the standard loss for the task."),
    "bce": (
        "binary cross-entropy",
        "Punishes confident wrong answers heavily: the standard loss for two classes.",
    ),
    "cross_entropy": (
        "cross-entropy",
        "The standard loss for several classes: minus the log of the probability the "
        "network gave the right class.",
    ),
    "mse": (
        "mean squared error",
        "The average squared difference: large errors count a lot. The usual choice.",
    ),
    "mae": (
        "mean absolute error",
        "The average absolute difference: less thrown by outliers than squared error.",
    ),
    "huber": (
        "Huber",
        "Squared error for small errors, absolute error for large ones: robust to "
        "outliers yet smooth near zero.",
    ),
}

DEVICE_AUTO_TIP = "Use a GPU when one is present (CUDA, then Apple MPS), otherwise the CPU."

TIPS = {
    "optimizer": "The rule that turns gradients into weight updates. " + OPTIMIZER_NAMES["adam"][1],
    "lr": "How big a step the optimizer takes downhill on the loss each update. Too small "
    "and learning crawls; too large and the loss jumps around or explodes. Values span "
    "orders of magnitude, so the slider is logarithmic; type 1e-3 for 0.001.",
    "momentum": "Keeps a running velocity of past gradients so updates roll through small "
    "bumps and speed up along consistent slopes (0 turns it off; 0.9 is typical).",
    "nesterov": "Looks ahead along the momentum before computing the gradient, which damps "
    "overshooting. Needs a momentum above 0.",
    "beta1": "How long Adam remembers past gradients (its momentum). 0.9 is the default.",
    "beta2": "How long Adam remembers past squared gradients, which set each weight's step "
    "size. 0.999 is the default; lower reacts faster to changing gradients.",
    "weight_decay": "Pulls every weight a little towards zero each step (L2 "
    "regularisation): smaller weights give smoother functions that overfit less.",
    "l1": "Adds the sum of absolute weights to the loss, pushing unneeded weights to "
    "exactly zero (a sparser network).",
    "loss": "What the network is trained to make small: the gap between its predictions "
    "and the targets. Only losses that fit the task are offered.",
    "label_smoothing": "Trains towards slightly softened targets (e.g. 0.9 instead of 1), "
    "which discourages over-confident predictions.",
    "huber_delta": "Where the Huber loss switches from squared to absolute error, in "
    "(standardised) target units.",
    "schedule": "How the learning rate changes during training. Big steps early and small "
    "steps late usually reach a better minimum.",
    "step_size": "Epochs between two learning-rate drops.",
    "milestones": "Epochs at which the learning rate drops, in increasing order, separated "
    "by commas: 30, 60.",
    "gamma": "The factor applied to the learning rate at each drop (0.1 divides it by 10).",
    "min_lr": "The learning rate never goes below this floor.",
    "plateau_patience": "Epochs without improvement of the validation loss before the "
    "learning rate is reduced.",
    "batch_size": "Examples per weight update. Small batches give noisy but frequent "
    "updates; large ones smoother gradients and faster epochs on a GPU.",
    "epochs": "The most passes over the training data. Early stopping may end sooner.",
    "seed": "Fixes the random initial weights and the shuffling, so the same project and "
    "seed give the same run.",
    "device": "Where the arithmetic runs: the CPU or a GPU. Small networks are often as "
    "fast on the CPU.",
    "grad_clip_on": "Rescales the gradient when its overall size exceeds a limit, a guard "
    "against sudden huge updates that blow training up (exploding gradients).",
    "grad_clip": "The largest allowed gradient norm.",
    "early_stopping": "Stops training when the validation score stops improving. Guards "
    "against overfitting: the network memorising the training data while getting worse "
    "on new data.",
    "monitor": "Which validation number early stopping watches.",
    "patience": "Epochs to wait for an improvement before stopping.",
    "min_delta": "The smallest change that counts as an improvement.",
    "train_loss_goal": "Stop once an epoch's training loss is at most this (off: 0). A goal "
    "says when the network is good enough, instead of a number of epochs.",
    "val_loss_goal": "Stop once the validation loss is at most this (off: 0).",
    "val_metric_goal": "Stop once the validation accuracy (or R² for regression) reaches "
    "this, between 0 and 1 (off: 0).",
    "max_seconds": "A time budget: stop after this many seconds of training, even in the "
    "middle of an epoch (off: 0).",
    "min_grad_norm": "Stop once the gradient's norm falls below this: the loss surface has "
    "gone flat, so more steps change little (off: 0). Checked every 32 steps.",
    "restore_best": "At the end, go back to the weights from the best epoch rather than "
    "keeping the last ones.",
}

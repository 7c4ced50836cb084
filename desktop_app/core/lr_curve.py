"""What a learning-rate range test's curve says: the smoothing, the suggested rate, how
sure it is and why, and the curve as a table or CSV. Plain numpy (no torch), so the
window and the command line can read a result without loading the engine; the test
itself is core.lr_find.

How a rate is suggested (`suggest_rate`), and why each step is there:

1. Only the points before the first NaN or infinite loss count: once the loss is not a
   number the weights are ruined, and np.argmin would happily pick the NaN.
2. The raw losses are smoothed for reading with a centred running median followed by a
   centred running mean (half-width `h`, about 2% of the planned steps). The median
   removes isolated spikes (a bad batch, the first steps' jitter) that would otherwise
   look like a steep fall right after them; centring keeps features at the rate where
   they happened (the de-biased EMA shown on the plot lags behind by about
   beta/(1 - beta) steps, which would push the suggestion to higher, riskier rates).
   The first `h` points are ignored as well.
3. The minimum of that curve marks the end of the useful range. Before it, the rate of
   steepest descent (the largest fall of the loss per decade of rate) is where training
   makes the most progress per step while still stable.
4. The suggestion is the smaller of that rate and a tenth of the rate at the minimum
   (Smith's and fastai's rule of thumb: at the minimum the rate is already on the edge
   of divergence), rounded to two significant digits. Cautious by construction: it
   errs towards slow training rather than a run that blows up. How cautious depends on
   the steps: the weights have moved for about steps / ln(end / start) steps' worth of
   each rate when it is reached, so on a quadratic the steepest fall lies at 1/(2 C)
   of the best rate, C being that number (measured on one: 0.045, 0.020, 0.010 and
   0.0051 for 100, 200, 400 and 800 steps, against a best rate of 0.5 and a limit of
   1); 200 steps keep it within a factor of about 20 below the best.
5. Confidence is high only when the loss fell clearly, the curve is smooth and the
   loss turned up after the minimum inside the range; each concern lowers it, and the
   reason names the concerns in plain words.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

HIGH, MEDIUM, LOW = "high", "medium", "low"
# Why the test ended.
DIVERGED = "diverged"  # the smoothed loss passed DIVERGE_FACTOR x its best
NON_FINITE = "non_finite"  # a loss was NaN or infinite
END_OF_RANGE = "end_of_range"  # every planned step ran
DIVERGE_FACTOR = 4.0


@dataclass(frozen=True)
class LrFindResult:
    """One range test: the rate, raw loss and smoothed loss of every step that ran (the
    last loss may be NaN or infinite: where it broke), and what they suggest."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float | None  # None: no rate can be suggested (reason says why)
    confidence: str  # HIGH, MEDIUM or LOW
    reason: str
    stop_reason: str  # DIVERGED, NON_FINITE or END_OF_RANGE
    steps_planned: int
    steepest_lr: float | None = None
    min_lr: float | None = None  # the rate where the smoothed loss was lowest

    @property
    def stop_message(self) -> str:
        """Why the test ended, in words."""
        n = len(self.lrs)
        last = f"{self.lrs[-1]:.3g}" if n else "?"
        if self.stop_reason == DIVERGED:
            return (
                f"stopped after {n} of {self.steps_planned} steps, at rate {last}: the "
                f"smoothed loss passed {DIVERGE_FACTOR:g} times its best"
            )
        if self.stop_reason == NON_FINITE:
            return f"stopped after {n} of {self.steps_planned} steps: the loss was not a number at rate {last}"
        return f"ran all {n} steps, up to rate {last}"

    def summary(self) -> dict:
        """The headline figures (for --json output and logs)."""
        return {
            "suggestion": self.suggestion,
            "confidence": self.confidence,
            "reason": self.reason,
            "stop_reason": self.stop_reason,
            "steps": len(self.lrs),
            "steepest_lr": self.steepest_lr,
            "min_lr": self.min_lr,
        }

    def table_rows(self, count: int = 12) -> list[tuple[int, float, float, float]]:
        """About `count` (step, rate, loss, smoothed) rows spread evenly over the steps
        that ran, the last one always included: a curve a person can read in a terminal."""
        n = len(self.lrs)
        if n == 0:
            return []
        picks = np.unique(np.linspace(0, n - 1, min(count, n)).round().astype(int))
        return [
            (int(i) + 1, float(self.lrs[i]), float(self.losses[i]), float(self.smoothed[i]))
            for i in picks
        ]

    def to_csv(self) -> str:
        """Every step as CSV text: step, learning_rate, loss, smoothed_loss."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["step", "learning_rate", "loss", "smoothed_loss"])
        for i, (lr, loss, smooth) in enumerate(zip(self.lrs, self.losses, self.smoothed)):
            w.writerow([i + 1, f"{lr:.6g}", f"{loss:.6g}", f"{smooth:.6g}"])
        return out.getvalue()


@dataclass(frozen=True)
class Suggestion:
    rate: float | None
    confidence: str
    reason: str
    steepest_lr: float | None = None
    min_lr: float | None = None


def rate_schedule(start: float, end: float, steps: int) -> np.ndarray:
    """The rate of each step: exponential from `start` to `end` (equal factors)."""
    return start * (end / start) ** (np.arange(steps, dtype=np.float64) / max(steps - 1, 1))


def ema_beta(steps: int) -> float:
    """The smoothing of the recorded curve: about 5% of the range (20 steps of 400, 10 of
    200), so its lag is the same share of the rates whatever the number of steps."""
    return float(np.clip(1.0 - 20.0 / max(steps, 1), 0.5, 0.98))


class DebiasedEma:
    """An exponential moving average corrected for starting at zero (as Adam's moments):
    the first values are not dragged towards 0."""

    def __init__(self, beta: float):
        self.beta, self.avg, self.n = beta, 0.0, 0

    def add(self, value: float) -> float:
        self.n += 1
        self.avg = self.beta * self.avg + (1.0 - self.beta) * value
        return self.avg / (1.0 - self.beta**self.n)


def half_width(steps: int) -> int:
    """Half the width of the windows the suggestion reads the curve through."""
    return max(2, round(steps / 50))


def robust_curve(losses: np.ndarray, h: int) -> np.ndarray:
    """Centred running median, then centred running mean, each over 2h+1 points (fewer
    at the ends): spikes vanish and no feature moves to a later step."""
    n = len(losses)
    med = np.array([np.median(losses[max(0, i - h) : i + h + 1]) for i in range(n)])
    return np.array([med[max(0, i - h) : i + h + 1].mean() for i in range(n)])


def suggest_rate(lrs, losses, stop_reason: str, steps_planned: int | None = None) -> Suggestion:
    """The cautious suggestion of the module docstring, with its confidence and its
    reason (a sentence without the final full stop)."""
    s = _read_curve(lrs, losses, stop_reason, steps_planned)
    reason = s.reason[:1].upper() + s.reason[1:]
    return Suggestion(s.rate, s.confidence, reason, s.steepest_lr, s.min_lr)


def _read_curve(lrs, losses, stop_reason: str, steps_planned: int | None) -> Suggestion:
    lrs = np.asarray(lrs, dtype=np.float64)
    losses = np.asarray(losses, dtype=np.float64)
    bad = ~np.isfinite(losses)
    n = int(np.argmax(bad)) if bad.any() else len(losses)
    h = half_width(steps_planned or len(losses))
    if n == 0:
        return Suggestion(
            None,
            LOW,
            "the loss was not a number even at the smallest rate, so the rate is not the "
            "problem: look for huge or missing values in the data, or a loss that does "
            "not fit the task",
        )
    if n < 4 * h + 2:
        if n == len(losses):
            why = f"only {n} steps ran, too few to read a curve from; use more steps"
        else:
            why = (
                f"the loss stopped being a number after only {n} steps (at rate "
                f"{lrs[n]:.3g}): too few to read a curve from; start the range lower or "
                "check the data for huge values"
            )
        return Suggestion(None, LOW, why)
    lrs, raw = lrs[:n], losses[:n]
    curve = robust_curve(raw, h)
    skip = h
    i_min = skip + int(np.argmin(curve[skip:]))
    start_level = float(curve[skip])
    if start_level <= 0:
        return Suggestion(
            None, LOW, "the loss was already zero at the smallest rate: nothing left to learn"
        )
    fell = 1.0 - float(curve[i_min]) / start_level
    min_lr = float(lrs[i_min])
    if i_min <= skip + h or fell < 0.01:
        return Suggestion(
            None,
            LOW,
            "the loss did not fall anywhere in the range, so no rate helps: check the data, "
            "the network and the loss, or start the range lower",
            min_lr=min_lr,
        )
    log_lr = np.log10(lrs)
    # Fall of the loss per decade of rate, as a share of its starting level.
    lo = np.clip(np.arange(n) - 2 * h, 0, n - 1)
    hi = np.clip(np.arange(n) + 2 * h, 0, n - 1)
    slope = (curve[hi] - curve[lo]) / np.maximum(log_lr[hi] - log_lr[lo], 1e-12) / start_level
    i_steep = skip + int(np.argmin(slope[skip : i_min + 1]))
    steepest_lr = float(lrs[i_steep])
    rate = round_rate(min(steepest_lr, min_lr / 10.0))

    concerns: list[tuple[str, str]] = []
    if fell < 0.1:
        concerns.append((LOW, f"the loss barely fell (by {percent(fell)})"))
    elif fell < 0.3:
        concerns.append((MEDIUM, f"the loss fell only by {percent(fell)}"))
    at_end = i_min >= n - 1 - h
    if at_end and stop_reason == END_OF_RANGE:
        concerns.append(
            (
                LOW,
                f"the loss was still falling at the end of the range (rate {lrs[-1]:.3g}), so "
                "its minimum may lie beyond it",
            )
        )
    elif curve[-1] < 1.5 * curve[i_min] and stop_reason == END_OF_RANGE:
        concerns.append((MEDIUM, "the loss hardly rose after its minimum"))
    descent = slice(skip, i_min + 1)
    scatter = float(np.median(np.abs(raw[descent] - curve[descent]) / np.abs(curve[descent])))
    if scatter > 0.3:
        concerns.append((LOW, f"the curve is very noisy (steps scatter by {100 * scatter:.0f}%)"))
    elif scatter > 0.1:
        concerns.append((MEDIUM, f"the curve is noisy (steps scatter by {100 * scatter:.0f}%)"))
    if not concerns:
        return Suggestion(
            rate,
            HIGH,
            f"the loss fell by {percent(fell)}, fastest near {steepest_lr:.2g}, was lowest "
            f"near {min_lr:.2g} and rose clearly after it; the curve is smooth",
            steepest_lr,
            min_lr,
        )
    level = LOW if any(c == LOW for c, _ in concerns) else MEDIUM
    words = "; ".join(text for _, text in concerns)
    return Suggestion(
        rate,
        level,
        f"{words}. It fell fastest near {steepest_lr:.2g} and was lowest near {min_lr:.2g}",
        steepest_lr,
        min_lr,
    )


def percent(share: float) -> str:
    """A share as a person reads it: never "100%" for a loss that did not reach zero."""
    return "more than 99%" if 0.99 < share < 1.0 else f"{100 * share:.0f}%"


def round_rate(rate: float) -> float:
    """Two significant digits: a suggestion is a guess, and 0.012 reads better than
    0.0123457."""
    if rate <= 0 or not math.isfinite(rate):
        return rate
    digits = 1 - math.floor(math.log10(rate))
    return float(round(rate, digits))

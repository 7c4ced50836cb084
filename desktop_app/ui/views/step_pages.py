"""The step-through's pages as rich text: one page per step of a core StepThrough
(forward per layer, output, loss, backward per layer, one weight, its update).

Numbers are laid out as learners read them: one row per unit with z and a, formula lines
with the numbers substituted (core.inspect writes those lines). Plain functions of the
StepThrough and the selected weight, so the dialog only picks the page. Large layers
are cut to their first units (and said so): a page is read, not scrolled for minutes.
"""

from __future__ import annotations

from html import escape

from desktop_app.core.inspect.step_through import DERIVATIVES, Step, StepThrough
from desktop_app.core.inspect.step_update import factor, number
from desktop_app.core.inspect.step_weight import weight_chain, weight_update

MAX_ROWS = 40  # units (or inputs) listed per table
MAX_COLS = 8  # weight-matrix columns shown
EXPAND = 6  # a sum Σ w·x + b is written out term by term up to this many inputs

STYLE = (
    "<style>table{border-collapse:collapse;margin:4px 0 10px 0} "
    "td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right} "
    "th{background:#eef2f7} .f{font-family:monospace;white-space:pre-wrap} "
    ".note{color:#555} .sel{background:#ffe9a8} a{text-decoration:none}</style>"
)


def _table(head: list[str], rows: list[list]) -> str:
    """An HTML table; a cell given as (text, "left") is aligned left (sums written out)."""
    out = ["<table><tr>", *(f"<th>{h}</th>" for h in head), "</tr>"]
    for r in rows:
        out.append(
            "<tr>"
            + "".join(
                f'<td style="text-align:left">{c[0]}</td>'
                if isinstance(c, tuple)
                else f"<td>{c}</td>"
                for c in r
            )
            + "</tr>"
        )
    out.append("</table>")
    return "".join(out)


def _lines(lines: list[str]) -> str:
    return "".join(f'<div class="f">{escape(line)}</div>' for line in lines)


def _cut(n: int, what: str) -> str:
    return (
        f'<p class="note">Showing the first {MAX_ROWS} of {n} {what}.</p>' if n > MAX_ROWS else ""
    )


def _input_names(st: StepThrough, layer: int, feature_names: list[str]) -> list[str]:
    if layer == 0:
        return [
            f"x{i + 1}" + ("" if n == f"x{i + 1}" else f" ({escape(n)})")
            for i, n in enumerate(feature_names)
        ]
    prev = st.layers[layer - 1].name
    return [f"a{i + 1} of {prev}" for i in range(len(st.layers[layer].x))]


def page(
    st: StepThrough, step: Step, feature_names: list[str], class_names: list[str], weight
) -> str:
    """The rich text of one step; weight: the selected (layer, to_unit, from_unit)."""
    body = {
        "layer": lambda: _forward(st, step.layer, feature_names, weight),
        "output": lambda: _output(st, class_names),
        "loss": lambda: _loss(st, class_names),
        "backward": lambda: _backward(st, step.layer, weight),
        "weight": lambda: _weight(st, weight),
        "update": lambda: _update(st, weight),
    }[step.kind]()
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in st.notes)
    return f"{STYLE}<h3>{escape(step.title)}</h3>{body}{notes}"


def _forward(st: StepThrough, k: int, feature_names: list[str], weight) -> str:
    lay = st.layers[k]
    names = _input_names(st, k, feature_names)
    parts = [
        "<p>Each unit j adds up its inputs, each times its weight, plus its bias: "
        "z<sub>j</sub> = Σ<sub>i</sub> w[j,i]·input<sub>i</sub> + b<sub>j</sub>; then its "
        f"activation <b>{escape(lay.activation)}</b> gives a<sub>j</sub> = f(z<sub>j</sub>).</p>",
        _table(
            ["input", "value"],
            [[n, number(v)] for n, v in list(zip(names, lay.x))[:MAX_ROWS]],
        ),
        _cut(len(lay.x), "inputs"),
    ]
    rows = []
    n_in = len(lay.x)
    for j in range(min(len(lay.z), MAX_ROWS)):
        if n_in <= EXPAND:
            terms = " + ".join(
                f"{factor(lay.weight[j, i])}·{factor(lay.x[i])}" for i in range(n_in)
            )
            sum_text = f"{terms} + {factor(lay.bias[j])}"
        else:
            sum_text = f"Σ of {n_in} products + {factor(lay.bias[j])}"
        row = [str(j + 1), (f'<span class="f">{escape(sum_text)}</span>', "left"), number(lay.z[j])]
        if lay.bn is not None:
            row.append(number(lay.bn["out"][j]))
        rows.append([*row, number(lay.a[j])])
    head = ["unit j", "z<sub>j</sub> = Σ w·input + b", "z<sub>j</sub>"]
    if lay.bn is not None:
        head.append("n<sub>j</sub> (batch norm)")
    parts += [_table([*head, "a<sub>j</sub> = f(·)"], rows), _cut(len(lay.z), "units")]
    if lay.bn is not None:
        parts.append(
            "<p>Batch norm between z and the activation: n<sub>j</sub> = γ<sub>j</sub>·"
            "(z<sub>j</sub> − μ<sub>j</sub>)/√(σ²<sub>j</sub> + ε) + β<sub>j</sub>, with the "
            "running mean μ and variance σ² from training.</p>"
        )
    parts.append(_matrix(lay.weight, k, weight, "Weights W (click one to follow it)"))
    parts += [f'<p class="note">{escape(n)}</p>' for n in lay.notes]
    return "".join(parts)


def _matrix(w, k: int, weight, title: str, links: bool = True) -> str:
    n_out, n_in = w.shape
    head = ["to unit ↓ / from input →", *(str(i + 1) for i in range(min(n_in, MAX_COLS)))]
    rows = []
    for j in range(min(n_out, MAX_ROWS)):
        cells = [str(j + 1)]
        for i in range(min(n_in, MAX_COLS)):
            text = number(w[j, i])
            if links:
                text = f'<a href="w:{k}:{j}:{i}">{text}</a>'
            if tuple(weight) == (k, j, i):
                text = f'<span class="sel">{text}</span>'
            cells.append(text)
        rows.append(cells)
    more = ""
    if n_in > MAX_COLS or n_out > MAX_ROWS:
        more = (
            f'<p class="note">{n_out}×{n_in} in all; pick any weight with the spin boxes above.</p>'
        )
    return f"<p><b>{title}</b></p>{_table(head, rows)}{more}"


def _output(st: StepThrough, class_names: list[str]) -> str:
    z = st.layers[-1].z
    if st.output == "sigmoid":
        p = float(st.prediction[0])
        text = [
            f"p = σ(z) = 1 / (1 + e^(−z)) = 1 / (1 + e^(−{factor(z[0])})) = {number(p)}",
            f"P(class 0) = 1 − p = {number(1 - p)}",
        ]
        body = _lines(text)
    elif st.output == "softmax":
        rows = [
            [escape(c), number(z[k]), number(st.prediction[k])] for k, c in enumerate(class_names)
        ][:MAX_ROWS]
        body = (
            "<p>p<sub>k</sub> = e^(z<sub>k</sub>) / Σ<sub>j</sub> e^(z<sub>j</sub>)</p>"
            + _table(["class", "z<sub>k</sub> (logit)", "p<sub>k</sub>"], rows)
        )
    else:
        body = "<p>Regression: the output is the prediction itself, in standardised units.</p>"
    truth = (
        number(st.sample.target)
        if st.task == "regression"
        else escape(class_names[int(st.sample.target)])
    )
    return (
        f"{body}<p>Prediction: <b>{escape(st.prediction_text)}</b><br>"
        f"The true answer for {escape(st.sample.source)}: <b>{truth}</b></p>"
    )


def _loss(st: StepThrough, class_names: list[str]) -> str:
    lo = st.loss
    lines = [lo.formula, *lo.lines]
    if st.l1:
        lines.append(
            f"+ L1 penalty λ₁·Σ|w| = {number(st.l1)}·{number(st.l1_sum)}: "
            f"total = {number(st.total_loss)}"
        )
    grads = ", ".join(number(g) for g in lo.gradient[:MAX_ROWS])
    return (
        f"<p><b>{escape(lo.name)}</b></p>{_lines(lines)}"
        f'<p>The loss autograd computed: <b><span id="loss">{number(st.loss_value)}</span></b>'
        f"</p><p>What it sends back into the output layer:</p>"
        f"{_lines([f'{lo.gradient_formula} = {grads}'])}"
    )


def _backward(st: StepThrough, k: int, weight) -> str:
    lay = st.layers[k]
    last = k == len(st.layers) - 1
    if last:
        intro = (
            "<p>The output layer gets ∂L/∂z straight from the loss "
            f"({escape(st.loss.gradient_formula)}).</p>"
        )
    else:
        intro = (
            f"<p>Each unit's ∂L/∂a<sub>j</sub> gathers what it caused in the next layer: "
            "Σ<sub>k</sub> W<sup>next</sup>[k,j]·∂L/∂z<sub>k</sub>. Then "
            f"∂L/∂z<sub>j</sub> = ∂L/∂a<sub>j</sub>·f'(z<sub>j</sub>), with "
            f"{escape(DERIVATIVES.get(lay.activation, 'f′ from autograd'))}"
            + (" and the batch norm's factor γ/√(σ² + ε)" if lay.bn is not None else "")
            + ".</p>"
        )
    head = ["unit j"]
    if not last:
        head += ["∂L/∂a<sub>j</sub>", "f'(·)"]
    head += ["∂L/∂z<sub>j</sub>", "∂L/∂b<sub>j</sub>"]
    rows = []
    for j in range(min(len(lay.z), MAX_ROWS)):
        row = [str(j + 1)]
        if not last:
            row += [number(lay.dl_da[j]), number(lay.f_prime[j])]
        rows.append([*row, number(lay.dl_dz[j]), number(lay.dl_db[j])])
    grad_note = "∂L/∂W[j,i] = ∂L/∂z<sub>j</sub> · input<sub>i</sub>"
    if st.l1:
        grad_note += f" + λ₁·sign(w) (L1, λ₁ = {number(st.l1)})"
    return (
        intro
        + _table(head, rows)
        + _cut(len(lay.z), "units")
        + f"<p>{grad_note}:</p>"
        + _matrix(lay.dl_dw, k, weight, "∂L/∂W", links=False)
    )


def _weight(st: StepThrough, weight) -> str:
    k, j, i = weight
    chain = weight_chain(st, k, j, i)
    return (
        f"<p>Weight w[{j + 1},{i + 1}] of the {escape(st.layers[k].name)} layer (from input "
        f"{i + 1} to unit {j + 1}), by the chain rule from the loss back to it:</p>"
        f"{_lines(chain.lines)}"
        f'<p>The product of the numbers: <b><span id="chain">{number(chain.product)}</span>'
        f"</b>; autograd's value: <b>{number(chain.autograd)}</b></p>"
    )


def _update(st: StepThrough, weight) -> str:
    k, j, i = weight
    up = weight_update(st, k, j, i)
    lr = number(st.hyper.get("lr", 0.0))
    return (
        f"<p>Optimizer <b>{escape(st.optimizer)}</b>, learning rate η = {lr}. Weight "
        f"w[{j + 1},{i + 1}] of the {escape(st.layers[k].name)} layer:</p>"
        f"{_lines(up.lines)}"
        f"<p>New value after the optimizer's real step: "
        f'<b><span id="new">{number(up.new)}</span></b> (was {number(up.old)}; the '
        f"formula gives {number(up.expected)})</p>"
    )

"""One sample through the network, step by step: forward (z = Wx + b, a = f(z) per
layer), the loss, backward (∂L/∂a, ∂L/∂z, ∂L/∂W per layer) and one optimizer update.

Every number comes from autograd and the real optimizer on a copy of the user's model
(DESIGN.md §9: what it shows is what training does); the user's model and optimizer
state are never touched. The copy runs in eval mode, as prediction does: a single sample
has no batch statistics for batch norm to use, so it uses its running mean and variance,
and dropout drops nothing; the notes say so, since training differs there.

API: ``step_through(model, project, prep, sample, optimizer_state=None) -> StepThrough``
(a step_sample.Sample in); step_weight writes out one weight's gradient and update.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from desktop_app.core.catalog import BINARY, MULTICLASS, REGRESSION
from desktop_app.core.inspect.step_loss import LossFormula, write_loss
from desktop_app.core.inspect.step_sample import Sample
from desktop_app.core.inspect.step_update import factor, number
from desktop_app.core.model import activation_name, layer_groups
from desktop_app.core.prepared import Preprocessing
from desktop_app.core.specs.project import Project
from desktop_app.core.training_parts import make_loss, make_optimizer

PHASES = ("Forward", "Loss", "Backward", "Update")

DERIVATIVES = {  # f'(z) as a learner reads it, by activation name
    "relu": "f'(z) = 1 where z > 0, else 0",
    "leaky_relu": "f'(z) = 1 where z > 0, else 0.01",
    "elu": "f'(z) = 1 where z > 0, else eᶻ",
    "gelu": "f'(z) = Φ(z) + z·φ(z)",
    "tanh": "f'(z) = 1 − tanh²(z) = 1 − a²",
    "sigmoid": "f'(z) = σ(z)·(1 − σ(z)) = a·(1 − a)",
    "identity": "f'(z) = 1",
}


@dataclass
class LayerNumbers:
    """One fully connected layer and what follows it (batch norm, activation)."""

    name: str  # "Hidden 1", ..., "Output"
    x: np.ndarray  # its input
    weight: np.ndarray  # (out, in)
    bias: np.ndarray
    z: np.ndarray  # Wx + b
    activation: str  # an activation name; "identity" for none
    a: np.ndarray  # its output
    bn: dict[str, np.ndarray] | None = None  # mean, var, eps, gamma, beta, out
    notes: list[str] = field(default_factory=list)
    # backward
    dl_da: np.ndarray | None = None
    f_prime: np.ndarray | None = None  # f'(input of the activation)
    dl_dbn: np.ndarray | None = None  # ∂L/∂(batch-norm output), with batch norm
    dl_dz: np.ndarray | None = None
    dl_dw: np.ndarray | None = None
    dl_db: np.ndarray | None = None


@dataclass
class UpdateState:
    """The optimizer around its step, for one layer's weight matrix."""

    old: np.ndarray
    grad: np.ndarray  # what the optimizer used (clipped, if clipping is on)
    new: np.ndarray
    before: dict[str, np.ndarray | None]  # optimizer state before the step
    after: dict[str, np.ndarray | None]


@dataclass(frozen=True)
class Step:
    """One page of the walk: its phase (one of PHASES), what it shows, and its layer."""

    phase: str
    kind: str  # layer, output, loss, backward, weight, update
    title: str
    layer: int | None = None


@dataclass
class StepThrough:
    task: str
    sample: Sample
    layers: list[LayerNumbers]
    output: str  # sigmoid, softmax or identity
    prediction: np.ndarray  # probabilities, or the standardised output
    prediction_text: str  # "class 1 (p = 0.83)" / "ŷ = 3.1 (in the target's units)"
    loss: LossFormula
    loss_value: float  # autograd's loss of the sample (without the L1 penalty)
    l1: float  # the L1 weight (0: off)
    l1_sum: float  # Σ|w|
    total_loss: float  # what was differentiated
    optimizer: str
    hyper: dict  # the optimizer's param group at its step
    step_before: int  # steps the optimizer had taken (0: a fresh one)
    clip_norm: float | None  # the gradient norm before clipping, when clipping is on
    clip_coef: float  # the factor clipping applied (1: none)
    updates: list[UpdateState]
    notes: list[str]
    steps: list[Step]


# ---------------------------------------------------------------------- the computation
def _arr(t: torch.Tensor | None) -> np.ndarray | None:
    """One sample's (1, n) tensor as a float64 vector."""
    return None if t is None else t.detach().double().numpy().reshape(-1)


def _mat(t: torch.Tensor) -> np.ndarray:
    """A parameter (or its gradient) as a float64 array of its own."""
    return t.detach().double().numpy().copy()


def _forward(groups, x: torch.Tensor):
    """Run the layers, keeping every intermediate tensor for its gradient."""
    kept, h = [], x
    for k, group in enumerate(groups):
        name = "Output" if k == len(groups) - 1 else f"Hidden {k + 1}"
        linear, extras = group[0], group[1:]
        z = linear(h)
        z.retain_grad()
        pre, bn, act, act_name, layer_notes = z, None, None, "identity", []
        for m in extras:
            if isinstance(m, nn.BatchNorm1d):
                pre = m(pre)
                pre.retain_grad()
                bn = m
            elif isinstance(m, nn.Dropout):
                layer_notes.append(
                    f"Dropout (p = {number(m.p)}) passes every value unchanged here, as when "
                    f"predicting; in training it sets a random {number(100 * m.p)}% of these "
                    f"units to 0 and multiplies the others by 1/(1 − p) = {number(1 / (1 - m.p))}."
                )
            else:
                act, act_name = m, activation_name(m) or type(m).__name__.lower()
        a = act(pre) if act is not None else pre
        if a is not z:
            a.retain_grad()
        kept.append((name, h, linear, z, bn, pre, act, act_name, a, layer_notes))
        h = a
    return kept, h


def step_through(
    model: nn.Module,
    project: Project,
    prep: Preprocessing,
    sample: Sample,
    optimizer_state: dict | None = None,
) -> StepThrough:
    """The whole walk for one sample. optimizer_state: the run's optimizer state_dict, so
    the update is the next step training would take; None: a fresh optimizer's first."""
    t = project.train
    net = copy.deepcopy(model).to("cpu").float()
    net.eval()
    groups = layer_groups(net)
    notes = []
    if any(isinstance(m, nn.BatchNorm1d) for m in net):
        notes.append(
            "Batch norm uses the running mean and variance it learned in training, as when "
            "predicting: one sample has no batch to take statistics from. In training each "
            "batch is normalised by its own mean and variance, so there the numbers differ."
        )
    notes.append(
        f"Training averages the loss over a batch of {t.batch_size} samples, so each step "
        "follows the mean of their gradients; here the batch is this one sample."
    )
    x = torch.from_numpy(np.asarray(sample.x, dtype=np.float32).reshape(1, -1))
    if prep.task == MULTICLASS:
        y = torch.tensor([int(sample.target_model)])
    else:
        y = torch.tensor([[sample.target_model]], dtype=torch.float32)
    weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
    params = list(net.parameters())
    with torch.enable_grad():
        kept, out = _forward(groups, x)
        data_loss = make_loss(project)(out, y)
        total = data_loss
        if t.l1:  # as the training loop adds it
            total = data_loss + t.l1 * sum(w.abs().sum() for w in weights)
        for p in params:
            p.grad = None
        total.backward()
    layers = [_layer_numbers(*k) for k in kept]
    clip_norm, coef = None, 1.0
    if t.grad_clip:
        clip_norm = float(nn.utils.clip_grad_norm_(params, t.grad_clip))
        coef = min(1.0, t.grad_clip / (clip_norm + 1e-6))
    opt, step_before = _optimizer(project, params, optimizer_state, notes)
    linears = [g[0] for g in groups]
    before = [_state(opt, lin.weight) for lin in linears]
    old = [_mat(lin.weight) for lin in linears]
    used = [_mat(lin.weight.grad) for lin in linears]
    opt.step()
    updates = [
        UpdateState(o, g, _mat(lin.weight), b, _state(opt, lin.weight))
        for o, g, lin, b in zip(old, used, linears, before)
    ]
    output, prediction, text = _prediction(prep, out)
    z_out = layers[-1].z
    loss = write_loss(project.loss, z_out, sample.target_model, t.label_smoothing, t.huber_delta)
    if prep.task == REGRESSION:  # the loss compares standardised values
        loss.lines.insert(
            0,
            f"y = (target − mean)/scale = ({number(sample.target)} − "
            f"{number(prep.target_mean)})/{number(prep.target_scale)} = "
            f"{number(sample.target_model)}",
        )
    hyper = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
    return StepThrough(
        task=prep.task,
        sample=sample,
        layers=layers,
        output=output,
        prediction=prediction,
        prediction_text=text,
        loss=loss,
        loss_value=data_loss.item(),
        l1=float(t.l1),
        l1_sum=float(sum(float(w.detach().abs().sum()) for w in weights)) if t.l1 else 0.0,
        total_loss=total.item(),
        optimizer=t.optimizer,
        hyper=hyper,
        step_before=step_before,
        clip_norm=clip_norm,
        clip_coef=coef,
        updates=updates,
        notes=notes,
        steps=_steps(layers, output),
    )


def _layer_numbers(name, x, linear, z, bn, pre, act, act_name, a, notes) -> LayerNumbers:
    bn_numbers = None
    if bn is not None:
        bn_numbers = {
            "mean": _mat(bn.running_mean),
            "var": _mat(bn.running_var),
            "eps": np.array(bn.eps),
            "gamma": _mat(bn.weight),
            "beta": _mat(bn.bias),
            "out": _arr(pre),
        }
    if act is not None:
        probe = pre.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            act(probe).sum().backward()
        f_prime = _arr(probe.grad)
    else:
        f_prime = np.ones(z.shape[1])
    return LayerNumbers(
        name=name,
        x=_arr(x),
        weight=_mat(linear.weight),
        bias=_mat(linear.bias),
        z=_arr(z),
        activation=act_name,
        a=_arr(a),
        bn=bn_numbers,
        notes=notes,
        dl_da=_arr(a.grad),
        f_prime=f_prime,
        dl_dbn=_arr(pre.grad) if bn is not None else None,
        dl_dz=_arr(z.grad),
        dl_dw=_mat(linear.weight.grad),
        dl_db=_mat(linear.bias.grad),
    )


def _optimizer(project: Project, params, state: dict | None, notes: list[str]):
    """A fresh optimizer, with the run's state loaded when one is given."""
    opt = make_optimizer(project, params, torch.device("cpu"))
    if state is None:
        notes.append("The update is a fresh optimizer's first step (no training state).")
        return opt, 0
    try:
        opt.load_state_dict(copy.deepcopy(state))  # its tensors are the run's own
    except (ValueError, KeyError, RuntimeError, TypeError):
        notes.append(
            "The run's optimizer state does not fit this network, so the update is a fresh "
            "optimizer's first step."
        )
        return make_optimizer(project, params, torch.device("cpu")), 0
    steps = [s.get("step") for s in opt.state.values() if "step" in s]
    return opt, int(float(steps[0])) if steps else 0


def _state(opt, p: torch.Tensor) -> dict[str, np.ndarray | None]:
    out: dict[str, np.ndarray | None] = {}
    for k, v in opt.state.get(p, {}).items():
        if v is None:
            out[k] = None
        elif isinstance(v, torch.Tensor) and v.shape == p.shape:
            out[k] = v.detach().double().numpy().copy()
    return out


def _prediction(prep: Preprocessing, out: torch.Tensor):
    z = out.detach().double().numpy().reshape(-1)
    if prep.task == BINARY:
        p = 1 / (1 + math.exp(-z[0])) if z[0] >= 0 else math.exp(z[0]) / (1 + math.exp(z[0]))
        name = prep.class_names[int(p >= 0.5)] if prep.class_names else str(int(p >= 0.5))
        return "sigmoid", np.array([p]), f"{name} (P(class 1) = σ(z) = {number(p)})"
    if prep.task == MULTICLASS:
        e = np.exp(z - z.max())
        probs = e / e.sum()
        k = int(np.argmax(probs))
        return "softmax", probs, f"{prep.class_names[k]} (p = {number(probs[k])})"
    value = z[0] * prep.target_scale + prep.target_mean
    return (
        "identity",
        z.copy(),
        f"ŷ = z·scale + mean = {factor(z[0])}·{number(prep.target_scale)} + "
        f"{factor(prep.target_mean)} = {number(value)} (in the target's units)",
    )


def _steps(layers: list[LayerNumbers], output: str) -> list[Step]:
    steps = [
        Step("Forward", "layer", f"{lay.name} layer: z = Wx + b, a = f(z)", k)
        for k, lay in enumerate(layers)
    ]
    what = {"sigmoid": "a probability", "softmax": "probabilities", "identity": "a prediction"}
    steps.append(Step("Forward", "output", f"From the output to {what[output]}"))
    steps.append(Step("Loss", "loss", "The loss of this sample"))
    steps += [
        Step("Backward", "backward", f"{layers[k].name} layer: ∂L/∂a, ∂L/∂z, ∂L/∂W", k)
        for k in reversed(range(len(layers)))
    ]
    steps.append(Step("Backward", "weight", "One weight: ∂L/∂w by the chain rule"))
    steps.append(Step("Update", "update", "The update of that weight"))
    return steps

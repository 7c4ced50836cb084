"""The step-through's numbers: a 2→2→1 network with set weights against a hand
computation (forward, loss, gradients, the SGD and Adam updates by their formulas);
autograd's gradients against central finite differences on bigger random networks of
every task; each optimizer's written-out update against its real step; the user's model
and optimizer state unchanged; bad typed values named."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from desktop_app.core.errors import DataError
from desktop_app.core.inspect.step_sample import sample_from_rows, sample_from_values
from desktop_app.core.inspect.step_through import PHASES, step_through
from desktop_app.core.inspect.step_weight import weight_chain, weight_update
from desktop_app.core.model import build_model
from desktop_app.core.prepared import Preprocessing
from desktop_app.core.specs.model import LayerSpec, ModelSpec
from desktop_app.core.specs.project import Project
from desktop_app.core.training_parts import make_loss, make_optimizer

W1 = np.array([[0.5, -0.3], [0.8, 0.2]])
B1 = np.array([0.1, -0.2])
W2 = np.array([[1.5, -2.0]])
B2 = np.array([0.3])
X = np.array([0.5, -1.0])


def project(dataset: str = "moons", hidden=(2,), activation="tanh", **train) -> Project:
    layers = [LayerSpec(units=u, activation=activation) for u in hidden]
    return Project().model_copy(
        update={
            "data": Project().data.model_copy(update={"dataset": dataset}),
            "model": ModelSpec(hidden=layers),
            "train": Project().train.model_copy(update={"device": "cpu", **train}),
        }
    )


def tiny(p: Project) -> torch.nn.Sequential:
    model = build_model(p.model, 2, 1)
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(W1))
        model[0].bias.copy_(torch.tensor(B1))
        model[2].weight.copy_(torch.tensor(W2))
        model[2].bias.copy_(torch.tensor(B2))
    return model


BINARY_PREP = Preprocessing(task="binary", feature_names=["x1", "x2"], class_names=["no", "yes"])


def by_hand():
    z1 = W1 @ X + B1
    a1 = np.tanh(z1)
    z2 = W2 @ a1 + B2
    p = 1 / (1 + math.exp(-z2[0]))
    loss = -math.log(p)  # target class 1 ("yes")
    dz2 = np.array([p - 1])
    dw2 = np.outer(dz2, a1)
    da1 = W2.T @ dz2
    dz1 = da1 * (1 - a1**2)
    dw1 = np.outer(dz1, X)
    return dict(z1=z1, a1=a1, z2=z2, p=p, loss=loss, dz2=dz2, dw2=dw2, da1=da1, dz1=dz1, dw1=dw1)


def test_phases_run_forward_loss_backward_update_in_order():
    p = project(optimizer="sgd", lr=0.1, momentum=0.0)
    st = step_through(tiny(p), p, BINARY_PREP, sample_from_values(BINARY_PREP, X, "yes"))
    phases = [s.phase for s in st.steps]
    assert [ph for i, ph in enumerate(phases) if i == 0 or phases[i - 1] != ph] == list(PHASES)
    assert [s.layer for s in st.steps if s.kind == "layer"] == [0, 1]
    assert [s.layer for s in st.steps if s.kind == "backward"] == [1, 0]


def test_tiny_network_matches_a_hand_computation_and_sgd_updates_by_w_minus_lr_g():
    p = project(optimizer="sgd", lr=0.1, momentum=0.0)
    h = by_hand()
    st = step_through(
        tiny(p), p, BINARY_PREP, sample_from_values(BINARY_PREP, ["0.5", "-1"], "yes")
    )
    hidden, out = st.layers
    assert hidden.x == pytest.approx(X)
    assert hidden.z == pytest.approx(h["z1"], abs=1e-6)
    assert hidden.a == pytest.approx(h["a1"], abs=1e-6)
    assert hidden.activation == "tanh" and out.activation == "identity"
    assert out.z == pytest.approx(h["z2"], abs=1e-6)
    assert st.prediction == pytest.approx([h["p"]], abs=1e-6)
    assert st.loss_value == pytest.approx(h["loss"], abs=1e-6)
    assert st.loss.value == pytest.approx(h["loss"], abs=1e-6)
    assert st.loss.gradient == pytest.approx(h["dz2"], abs=1e-6)
    assert out.dl_dz == pytest.approx(h["dz2"], abs=1e-6)
    assert out.dl_dw == pytest.approx(h["dw2"], abs=1e-6)
    assert hidden.dl_da == pytest.approx(h["da1"], abs=1e-6)
    assert hidden.f_prime == pytest.approx(1 - h["a1"] ** 2, abs=1e-6)
    assert hidden.dl_dz == pytest.approx(h["dz1"], abs=1e-6)
    assert hidden.dl_dw == pytest.approx(h["dw1"], abs=1e-6)
    assert hidden.dl_db == pytest.approx(h["dz1"], abs=1e-6)

    chain = weight_chain(st, 0, 1, 0)  # hidden unit 2 <- input 1
    assert chain.product == pytest.approx(h["dz1"][1] * X[0], abs=1e-6)
    assert chain.autograd == pytest.approx(h["dw1"][1, 0], abs=1e-6)
    assert any("x1" in line for line in chain.lines)

    up = weight_update(st, 0, 1, 0)
    want = W1[1, 0] - 0.1 * h["dw1"][1, 0]
    assert up.new == pytest.approx(want, abs=1e-6)
    assert up.expected == pytest.approx(want, abs=1e-6)
    assert any("η" in line for line in up.lines)


def test_a_fresh_adam_takes_its_first_step_by_the_formulas():
    p = project(optimizer="adam", lr=0.01, beta1=0.9, beta2=0.999)
    h = by_hand()
    st = step_through(tiny(p), p, BINARY_PREP, sample_from_values(BINARY_PREP, X, "yes"))
    g = h["dw2"][0, 1]
    m, v = 0.1 * g, 0.001 * g * g
    m_hat, v_hat = m / (1 - 0.9), v / (1 - 0.999)
    want = W2[0, 1] - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8)
    up = weight_update(st, 1, 0, 1)
    assert st.step_before == 0
    assert up.terms["m"] == pytest.approx(m, rel=1e-5)
    assert up.terms["v"] == pytest.approx(v, rel=1e-5)
    assert up.terms["m_hat"] == pytest.approx(m_hat, rel=1e-5)
    assert up.expected == pytest.approx(want, abs=1e-7)
    assert up.new == pytest.approx(want, abs=1e-6)


def _trained_state(p: Project, model, steps: int = 3) -> dict:
    """The optimizer state of a few real steps on random data (on a copy of model)."""
    import copy

    net = copy.deepcopy(model)
    opt = make_optimizer(p, net.parameters(), torch.device("cpu"))
    gen = torch.Generator().manual_seed(1)
    loss_fn = make_loss(p)
    for _ in range(steps):
        x = torch.randn(8, 2, generator=gen)
        y = (torch.rand(8, 1, generator=gen) > 0.5).float()
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    return opt.state_dict()


@pytest.mark.parametrize(
    "train",
    [
        {"optimizer": "sgd", "momentum": 0.0},
        {"optimizer": "sgd", "momentum": 0.9},
        {"optimizer": "sgd", "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        {"optimizer": "adam"},
        {"optimizer": "adamw", "weight_decay": 0.05},
        {"optimizer": "adagrad"},
        {"optimizer": "rmsprop", "momentum": 0.0},
        {"optimizer": "rmsprop", "momentum": 0.5},
        {"optimizer": "adam", "grad_clip": 0.01, "l1": 0.001},
    ],
    ids=lambda t: "-".join(f"{k}={v}" for k, v in t.items()),
)
def test_each_optimizers_written_update_is_what_its_real_step_did(train):
    p = project(lr=0.05, **train)
    model = tiny(p)
    state = _trained_state(p, model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    st = step_through(model, p, BINARY_PREP, sample_from_values(BINARY_PREP, X, "no"), state)
    if train["optimizer"] != "sgd":  # SGD keeps no step count
        assert st.step_before == 3
    for layer, j, i in ((0, 0, 0), (0, 1, 1), (1, 0, 0)):  # (a1 of unit 2 is 0 here)
        up = weight_update(st, layer, j, i)
        assert up.expected == pytest.approx(up.new, rel=1e-5, abs=1e-8), up.lines
        assert up.new != up.old
    if train.get("momentum") and train["optimizer"] == "sgd":
        prev = state["state"][0]["momentum_buffer"][0, 0].item()
        g = weight_update(st, 0, 0, 0).grad + train.get("weight_decay", 0) * W1[0, 0]
        assert weight_update(st, 0, 0, 0).terms["velocity"] == pytest.approx(
            0.9 * prev + g, rel=1e-5
        )
    if train.get("grad_clip"):
        assert st.clip_norm is not None and st.clip_coef < 1
        used = weight_update(st, 0, 0, 0).grad
        assert used == pytest.approx(st.layers[0].dl_dw[0, 0] * st.clip_coef, rel=1e-5)
    for k, v in model.state_dict().items():  # the user's model is as it was
        assert torch.equal(v, before[k]), k


def test_the_users_model_and_optimizer_state_do_not_change():
    p = project(optimizer="adam")
    model = tiny(p)
    model.train()
    state = _trained_state(p, model)
    kept = {k: v.clone() for k, v in state["state"][0].items()}
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    step_through(model, p, BINARY_PREP, sample_from_values(BINARY_PREP, X, "yes"), state)
    assert model.training  # its mode too
    assert all(p_.grad is None for p_ in model.parameters())
    for k, v in model.state_dict().items():
        assert torch.equal(v, weights[k])
    for k, v in state["state"][0].items():
        assert torch.equal(v, kept[k]), k


# ----------------------------------------------------------------------------- finite diff
TASKS = {
    "binary": (
        "moons",
        Preprocessing("binary", ["a", "b", "c"], ["0", "1"]),
        1,
        1.0,
    ),
    "multiclass": (
        "blobs",
        Preprocessing("multiclass", ["a", "b", "c"], ["r", "g", "b", "y"]),
        4,
        2.0,
    ),
    "regression": (
        "friedman1",
        Preprocessing("regression", ["a", "b", "c"], target_mean=3.0, target_scale=2.0),
        1,
        4.2,
    ),
}


def _loss64(model, p: Project, x: np.ndarray, y: float, task: str) -> float:
    xt = torch.tensor(x, dtype=torch.float64).reshape(1, -1)
    if task == "multiclass":
        yt = torch.tensor([int(y)])
    else:
        yt = torch.tensor([[y]], dtype=torch.float64)
    with torch.no_grad():
        return float(make_loss(p)(model(xt), yt))


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("batch_norm", [False, True], ids=["plain", "batchnorm-dropout"])
def test_gradients_match_central_finite_differences(task, batch_norm):
    import copy

    dataset, prep, n_out, target = TASKS[task]
    extra = {"label_smoothing": 0.1} if task == "multiclass" else {}
    p = project(dataset, **extra)
    spec = ModelSpec(
        hidden=[
            LayerSpec(units=5, activation="tanh", batch_norm=batch_norm),
            LayerSpec(units=4, activation="gelu", dropout=0.3 if batch_norm else 0.0),
            LayerSpec(units=3, activation="sigmoid"),
        ]
    )
    p = p.model_copy(update={"model": spec})
    torch.manual_seed(3)
    model = build_model(spec, 3, n_out)
    if batch_norm:  # running statistics other than the initial 0 and 1
        with torch.no_grad():
            model[1].running_mean.copy_(torch.tensor([0.1, -0.2, 0.3, 0.0, 0.5]))
            model[1].running_var.copy_(torch.tensor([0.5, 2.0, 1.0, 0.7, 1.3]))
            model[1].weight.copy_(torch.tensor([1.2, 0.8, -0.5, 1.0, 0.9]))
    sample = sample_from_values(
        prep, ["0.3", "-1.2", "0.8"], prep.class_names[2] if task == "multiclass" else target
    )
    st = step_through(model, p, prep, sample)
    assert st.loss.value == pytest.approx(st.loss_value, rel=1e-5)
    assert st.loss.gradient == pytest.approx(st.layers[-1].dl_dz, rel=1e-4, abs=1e-6)
    net = copy.deepcopy(model).double().eval()
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    h = 1e-6
    for k, lin in enumerate(linears):
        for param, shown in ((lin.weight, st.layers[k].dl_dw), (lin.bias, st.layers[k].dl_db)):
            fd = np.zeros(param.shape)
            flat = param.data.view(-1)
            for n in range(flat.numel()):
                old = flat[n].item()
                flat[n] = old + h
                up = _loss64(net, p, sample.x, sample.target_model, task)
                flat[n] = old - h
                down = _loss64(net, p, sample.x, sample.target_model, task)
                flat[n] = old
                fd.reshape(-1)[n] = (up - down) / (2 * h)
            assert shown == pytest.approx(fd, rel=2e-3, abs=2e-6), (k, param.shape)
        for j in range(lin.weight.shape[0]):  # the chain-rule line agrees with autograd
            chain = weight_chain(st, k, j, 0)
            assert chain.product == pytest.approx(chain.autograd, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize(
    "loss,extra,target",
    [
        ("mse", {}, 4.2),
        ("mae", {}, 4.2),
        ("huber", {"huber_delta": 0.1}, 4.2),
        ("huber", {"huber_delta": 50.0}, 4.2),
    ],
)
def test_regression_losses_are_written_out_with_the_numbers(loss, extra, target):
    _, prep, _, _ = TASKS["regression"]
    p = project("friedman1", hidden=(4,), loss=loss, **extra)
    torch.manual_seed(0)
    model = build_model(p.model, 3, 1)
    sample = sample_from_values(prep, [1, 2, 3], target)
    st = step_through(model, p, prep, sample)
    assert sample.target_model == pytest.approx((4.2 - 3.0) / 2.0)
    assert st.loss.value == pytest.approx(st.loss_value, rel=1e-5)
    assert st.loss.gradient == pytest.approx(st.layers[-1].dl_dz, rel=1e-5)
    assert st.loss.lines[0].startswith("y = (target − mean)/scale")
    assert "target's units" in st.prediction_text


# ----------------------------------------------------------------------------- samples
def test_a_value_that_is_not_a_number_is_named():
    with pytest.raises(DataError, match="feature 'x2'.*'abc' is not a number"):
        sample_from_values(BINARY_PREP, ["1", "abc"], "yes")
    with pytest.raises(DataError, match="feature 'x1' is empty"):
        sample_from_values(BINARY_PREP, ["", "1"], "yes")
    with pytest.raises(DataError, match="not a class of this model; pick one of: no, yes"):
        sample_from_values(BINARY_PREP, ["1", "2"], "maybe")
    with pytest.raises(DataError, match="give 2 feature values"):
        sample_from_values(BINARY_PREP, ["1"], "yes")


def test_a_data_row_is_shown_in_the_datas_units_and_fed_scaled():
    prep = Preprocessing(
        "binary",
        ["a", "b"],
        ["0", "1"],
        mean=np.array([1.0, 2.0], np.float32),
        scale=np.array([2.0, 4.0], np.float32),
    )
    x = np.array([[0.0, 0.0], [0.5, -1.0]], np.float32)
    s = sample_from_rows(prep, x, np.array([0, 1]), 1, "training")
    assert s.raw == pytest.approx([2.0, -2.0])
    assert s.x == pytest.approx([0.5, -1.0])
    assert s.target == 1 and s.source == "training row 2"
    typed = sample_from_values(prep, ["2", "-2"], "1")
    assert typed.x == pytest.approx(s.x)
    with pytest.raises(DataError, match="rows 1 to 2"):
        sample_from_rows(prep, x, np.array([0, 1]), 2, "training")

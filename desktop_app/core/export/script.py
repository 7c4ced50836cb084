"""A Project -> a readable, standalone PyTorch + scikit-learn training script that
reproduces it (File ▸ Export ▸ Python script…, ``odyssey export PROJECT --script``).

The script is assembled from the template sections in script_parts (and script_table
for a table): header and settings, data, split and scaling, network, loss, optimizer
and schedule, the loop with early stopping, stopping criteria and clipping, test
metrics, and a model file Odyssey opens. Every option a Project allows is rendered; an
Excel table is refused with a message (the script reads CSV/TSV).

On the CPU the script's per-epoch history equals Odyssey's: it seeds and draws random
numbers in Odyssey's order (torch.manual_seed(train.seed) just before the network is
built; a separate generator seeded the same for the batch order), uses the same fused
optimizer, reads the split and scaling the same way, and checks the step criteria
every 32 steps as the engine does.
"""

from __future__ import annotations

import json
from pathlib import Path
from string import Template

from desktop_app.core.catalog import CATALOG, REGRESSION, TABLE
from desktop_app.core.export import script_parts as parts
from desktop_app.core.export.script_loop import loop_parts
from desktop_app.core.export.script_save import TEST_AND_SAVE
from desktop_app.core.metrics import HEADLINE
from desktop_app.core.persistence.atomic import write_text_atomic
from desktop_app.core.specs.project import Project

ACTIVATION_CODE = {
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU()",
    "elu": "nn.ELU()",
    "gelu": "nn.GELU()",
    "tanh": "nn.Tanh()",
    "sigmoid": "nn.Sigmoid()",
}
REAL_LOADERS = {
    "iris": "load_iris",
    "wine": "load_wine",
    "breast_cancer": "load_breast_cancer",
    "digits": "load_digits",
    "diabetes": "load_diabetes",
}


def render_script(project: Project, data=None, base_dir=None, script_name="train.py") -> str:
    """The script's text. data: the PreparedData of a table project (load_project_data's
    project and data); a catalog project needs none."""
    from desktop_app import __version__

    t, d = project.train, project.data
    task = project.task
    n_outputs = 1 if task != "multiclass" else d.classes
    if d.dataset == TABLE:
        from desktop_app.core.export.script_table import TABLE_PREP, table_section

        if data is None:
            raise ValueError("a table project needs its prepared data to render a script")
        data_code, table_prep = table_section(project, data, base_dir), TABLE_PREP
        n_outputs = data.n_outputs
    else:
        data_code, table_prep = _catalog_section(project), ""
    header = Template(parts.HEADER).substitute(
        name=project.name.replace('"', "'").replace("\\", "/"),
        version=__version__,
        script_name=script_name,
        project_json=json.dumps(project.model_dump(mode="json"), indent=2, ensure_ascii=False),
        task=task,
        train_seed=t.seed,
        data_seed=d.seed,
        val_fraction=repr(d.val_fraction),
        test_fraction=repr(d.test_fraction),
        standardize=repr(d.standardize),
        batch_size=t.batch_size,
        epochs=t.epochs,
        device=_device(t.device),
        threads=t.threads or 1,
    )
    split = Template(parts.SPLIT).substitute(table_prep=table_prep)
    model = Template(parts.MODEL).substitute(
        layers=_layers(project),
        loss=_loss(project),
        optimizer_fused=_optimizer(project, fused=True),
        optimizer_plain=_optimizer(project, fused=False),
        schedule=_schedule(project),
    )
    loop = Template(parts.LOOP).substitute(**loop_parts(project.train))
    tail = Template(TEST_AND_SAVE).substitute(
        version=__version__,
        model_name=Path(script_name).stem + ".safetensors",
        n_outputs=n_outputs,
        metric=HEADLINE[task],
    )
    spiral = parts.SPIRAL if d.dataset == "spiral" else ""
    return header + spiral + data_code + split + model + loop + tail


def write_script(
    project: Project,
    path: str | Path,
    base_dir=None,
    progress=None,
    cancel=None,
    accept_changed: bool = False,
) -> Path:
    """Render (reading a table project's file first) and write the script atomically."""
    target = Path(path)
    if target.suffix.lower() != ".py":
        target = target.with_name(target.name + ".py")
    data = None
    if project.data.dataset == TABLE:
        from desktop_app.core.tabular.prepare import load_project_data

        project, data = load_project_data(project, base_dir, progress, cancel, accept_changed)
    text = render_script(project, data, base_dir, script_name=target.name)
    write_text_atomic(target, text)
    return target


# ---------------------------------------------------------------------------- sections
def _catalog_section(project: Project) -> str:
    d = project.data
    name = d.dataset
    info = CATALOG[name]
    n, noise, seed = d.total_samples, d.noise_level, d.seed
    feature_names = "[f'x{i + 1}' for i in range(x.shape[1])]"
    class_names = f"[f'class {{i}}' for i in range({d.classes})]"
    if name == "classification":
        nf, ni = d.features, d.informative
        gen = (
            f"x, y = skd.make_classification(n_samples={n}, n_features={nf}, "
            f"n_informative={ni}, n_redundant={min(2, nf - ni)}, n_classes={d.classes}, "
            f"flip_y={noise!r}, random_state={seed})"
        )
    elif name == "moons":
        gen = f"x, y = skd.make_moons(n_samples={n}, noise={noise!r}, random_state={seed})"
    elif name == "circles":
        gen = (
            f"x, y = skd.make_circles(n_samples={n}, noise={noise!r}, factor=0.5, "
            f"random_state={seed})"
        )
    elif name == "blobs":
        gen = (
            f"x, y = skd.make_blobs(n_samples={n}, n_features={d.features}, "
            f"centers={d.classes}, cluster_std={noise!r}, random_state={seed})"
        )
    elif name == "spiral":
        gen = f"x, y = spiral({n}, {d.classes}, {noise!r}, rng)"
    elif name == "xor":
        gen = (
            f"x = rng.uniform(-1, 1, size=({n}, 2))\n"
            "    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)\n"
            f"    x = x + rng.normal(0, {noise!r}, size=x.shape)"
        )
    elif name == "regression":
        gen = (
            f"x, y = skd.make_regression(n_samples={n}, n_features={d.features}, "
            f"n_informative={d.informative}, noise={noise!r}, random_state={seed})"
        )
    elif name == "friedman1":
        gen = (
            f"x, y = skd.make_friedman1(n_samples={n}, n_features={d.features}, "
            f"noise={noise!r}, random_state={seed})"
        )
    elif name == "sine":
        gen = (
            f"x = rng.uniform(-3, 3, size=({n}, 1))\n"
            f"    y = np.sin(x[:, 0]) + rng.normal(0, {noise!r}, size={n})"
        )
        feature_names = "['x']"
    else:
        gen = f"bunch = skd.{REAL_LOADERS[name]}()\n    x, y = bunch.data, bunch.target"
        feature_names = "[str(f) for f in bunch.feature_names]"
        if info.task != REGRESSION:
            class_names = "[str(c) for c in bunch.target_names]"
    if project.task == REGRESSION:
        class_names = "[]"
    return Template(parts.CATALOG_DATA).substitute(
        title=info.title,
        generate="    " + gen,
        feature_names=feature_names,
        class_names=class_names,
    )


def _layers(project: Project) -> str:
    lines, width = [], "n_inputs"
    for i, layer in enumerate(project.model.hidden, 1):
        lines.append(f"        # hidden layer {i}")
        lines.append(f"        nn.Linear({width}, {layer.units}),")
        if layer.batch_norm:
            lines.append(f"        nn.BatchNorm1d({layer.units}),")
        if layer.activation != "identity":
            lines.append(f"        {ACTIVATION_CODE[layer.activation]},")
        if layer.dropout > 0:
            lines.append(f"        nn.Dropout({layer.dropout!r}),")
        width = str(layer.units)
    lines.append("        # output layer")
    lines.append(f"        nn.Linear({width}, n_outputs),")
    return "\n".join(lines)


def _loss(project: Project) -> str:
    t = project.train
    return {
        "bce": "nn.BCEWithLogitsLoss()",
        "cross_entropy": f"nn.CrossEntropyLoss(label_smoothing={t.label_smoothing!r})",
        "mse": "nn.MSELoss()",
        "mae": "nn.L1Loss()",
        "huber": f"nn.HuberLoss(delta={t.huber_delta!r})",
    }[project.loss]


def _optimizer(project: Project, fused: bool) -> str:
    t = project.train
    kw = f"lr={t.lr!r}, weight_decay={t.weight_decay!r}"
    name = t.optimizer
    if name == "sgd":
        cls, kw = "SGD", f"{kw}, momentum={t.momentum!r}, nesterov={t.nesterov!r}"
    elif name in ("adam", "adamw"):
        cls = "Adam" if name == "adam" else "AdamW"
        kw = f"{kw}, betas=({t.beta1!r}, {t.beta2!r})"
    elif name == "adagrad":
        cls = "Adagrad"
    else:  # RMSprop has no fused kernel
        return f"torch.optim.RMSprop(params, momentum={t.momentum!r}, {kw})"
    return f"torch.optim.{cls}(params, {'fused=True, ' if fused else ''}{kw})"


def _schedule(project: Project) -> str:
    t = project.train
    s = "torch.optim.lr_scheduler"
    body = {
        "constant": "return None, False",
        "step": f"return {s}.StepLR(optimizer, step_size={t.step_size}, gamma={t.gamma!r}), False",
        "multistep": (
            f"return {s}.MultiStepLR(optimizer, milestones={list(t.milestones)}, "
            f"gamma={t.gamma!r}), False"
        ),
        "exponential": f"return {s}.ExponentialLR(optimizer, gamma={t.gamma!r}), False",
        "cosine": (
            f"return {s}.CosineAnnealingLR(optimizer, T_max={t.epochs}, "
            f"eta_min={t.min_lr!r}), False"
        ),
        "onecycle": (
            f"total = {t.epochs} * steps_per_epoch\n"
            f"    return {s}.OneCycleLR(optimizer, max_lr={t.lr!r}, total_steps=total), True"
        ),
        "plateau": (
            f"return {s}.ReduceLROnPlateau(optimizer, mode='min', factor={t.gamma!r}, "
            f"patience={t.plateau_patience}, min_lr={t.min_lr!r}), False"
        ),
    }[t.schedule]
    return "    " + body


def _device(name: str) -> str:
    name = (name or "auto").strip().lower()
    if name == "auto":
        return (
            '"cuda:0" if torch.cuda.is_available() else '
            '("mps" if torch.backends.mps.is_available() else "cpu")'
        )
    return repr(name)

"""A model file written by an earlier Odyssey loads and resumes exactly.

fixtures/main_2_epochs.safetensors was saved by the code at commit 1c1b561 (before the
Trainer owned its state), on the CPU, with:

    p = Project().with_overrides(["train.device=cpu", "train.epochs=6"])
    t = Trainer(p); t.fit(2); save_model("main_2_epochs.safetensors", t)

Users keep model files for years, so whatever changes in how the Trainer hands its state
to persistence, such a file must go on giving the run it would have given.
"""

from pathlib import Path

import numpy as np
import pytest
import torch

from desktop_app.core.engine import Trainer
from desktop_app.core.persistence.model_file import load_model

FIXTURE = Path(__file__).parent / "fixtures" / "main_2_epochs.safetensors"


def test_a_file_from_an_earlier_version_loads():
    loaded = load_model(FIXTURE)
    assert loaded.format_version == 1
    assert loaded.resume is not None
    assert (loaded.resume.epoch, loaded.resume.global_step) == (2, 22)
    assert [e["epoch"] for e in loaded.history.epochs] == [1, 2]


def test_a_file_from_an_earlier_version_resumes_as_one_uninterrupted_run():
    loaded = load_model(FIXTURE)
    resumed = Trainer.from_checkpoint(loaded)
    resumed.fit(3)
    straight = Trainer(loaded.project)
    straight.fit(5)

    a, b = straight.history, resumed.history
    assert np.array_equal(a.steps, b.steps)
    np.testing.assert_allclose(b.batch_loss, a.batch_loss, rtol=1e-6, atol=0)
    np.testing.assert_allclose(b.batch_lr, a.batch_lr, rtol=1e-12, atol=0)
    assert len(a.epochs) == len(b.epochs) == 5
    for ea, eb in zip(a.epochs, b.epochs):
        assert (ea["epoch"], ea["step"]) == (eb["epoch"], eb["step"])
        for key in ("train_loss", "val_loss", "train_metric", "val_metric", "lr"):
            assert eb[key] == pytest.approx(ea[key], rel=1e-6, abs=1e-9), key
    for wa, wb in zip(straight.model.state_dict().values(), resumed.model.state_dict().values()):
        torch.testing.assert_close(wb, wa, rtol=1e-6, atol=1e-7)
    assert (straight.epoch, straight.global_step, straight.best_epoch) == (
        resumed.epoch,
        resumed.global_step,
        resumed.best_epoch,
    )
    ma, mb = straight.result.test_metrics, resumed.result.test_metrics
    assert ma.keys() == mb.keys()
    for key in ma:
        if key == "confusion_matrix":
            assert mb[key] == ma[key]
        else:
            assert mb[key] == pytest.approx(ma[key], rel=1e-6), key

"""The last sections of a generated training script: test metrics (as Odyssey's
core.metrics computes them with scikit-learn), the model file in Odyssey's format 1
layout (safetensors tensors, JSON metadata), and main(). A string.Template text."""

from __future__ import annotations

TEST_AND_SAVE = '''

# --------------------------------------------------------------------------- test metrics
@torch.no_grad()
def predict(model, x, device):
    """Probabilities (P(class 1) for binary) or standardised values."""
    model.eval()
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(device)
    outs = []
    for i in range(0, max(len(xt), 1), 65536):
        out = model(xt[i : i + 65536])
        if TASK == "binary":
            out = torch.sigmoid(out.squeeze(-1))
        elif TASK == "multiclass":
            out = torch.softmax(out, dim=-1)
        else:
            out = out.squeeze(-1)
        outs.append(out.cpu())
    return torch.cat(outs).numpy().astype(np.float64)


def test_metrics(model, x, y, prep):
    from sklearn import metrics as skm

    if len(x) == 0:
        return {}
    out = predict(model, x, torch.device(DEVICE))
    if TASK == "regression":
        true = np.asarray(y) * prep["target_scale"] + prep["target_mean"]
        pred = out * prep["target_scale"] + prep["target_mean"]
        mse = float(skm.mean_squared_error(true, pred))
        return {"mse": mse, "rmse": float(np.sqrt(mse)),
                "mae": float(skm.mean_absolute_error(true, pred)),
                "r2": float(skm.r2_score(true, pred)) if len(true) > 1 else None}
    y = np.asarray(y).reshape(-1).astype(np.int64)
    labels = list(range(len(prep["class_names"])))
    if TASK == "binary":
        p1 = np.clip(out.reshape(-1), 1e-7, 1 - 1e-7)
        full = np.column_stack([1 - p1, p1])
        pred = (p1 >= 0.5).astype(np.int64)
    else:
        full = np.clip(out, 1e-7, 1.0)
        full = full / full.sum(axis=1, keepdims=True)
        pred = full.argmax(-1)
    kw = {"average": "macro", "labels": labels, "zero_division": 0}
    result = {
        "accuracy": float(skm.accuracy_score(y, pred)),
        "precision": float(skm.precision_score(y, pred, **kw)),
        "recall": float(skm.recall_score(y, pred, **kw)),
        "f1": float(skm.f1_score(y, pred, **kw)),
        "confusion_matrix": skm.confusion_matrix(y, pred, labels=labels).tolist(),
        "log_loss": float(skm.log_loss(y, full, labels=labels)),
        "roc_auc": None,
    }
    if len(np.unique(y)) >= 2 and (TASK == "binary" or len(labels) == 2):
        result["roc_auc"] = float(skm.roc_auc_score(y, full[:, 1]))
    elif len(np.unique(y)) == len(labels):
        result["roc_auc"] = float(skm.roc_auc_score(y, full, multi_class="ovr", labels=labels))
    # Balanced accuracy: the mean recall over the classes in the test split. Average
    # precision (the area under the precision-recall curve): of class 1 for two classes,
    # else the mean over each class against the rest.
    result["balanced_accuracy"] = float(skm.balanced_accuracy_score(y, pred))
    areas = [float(skm.average_precision_score(y == c, full[:, c])) if 0 < (y == c).sum() < len(y)
             else None for c in labels]
    defined = [a for a in areas if a is not None]
    result["average_precision"] = (areas[1] if len(labels) == 2
                                   else float(np.mean(defined)) if defined else None)
    return result


# ---------------------------------------------------------------------------- model file
EPOCH_KEYS = ("epoch", "step", "train_loss", "val_loss", "train_metric", "val_metric", "lr",
              "seconds")


def finite_or_none(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [finite_or_none(v) for v in obj]
    return obj


def save_model_file(path, model, prep, history, metrics):
    """An Odyssey model file (format 1): the weights and the history as safetensors
    tensors; the project, preprocessing, history layout and test metrics as JSON text
    in its metadata. Odyssey opens it for prediction (no training state inside)."""
    from safetensors.torch import save_file

    def dumps(obj):
        return json.dumps(finite_or_none(obj), allow_nan=False, separators=(",", ":"))

    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tensors["history.steps"] = torch.tensor(history["steps"], dtype=torch.int64)
    tensors["history.batch_loss"] = torch.tensor(history["batch_loss"], dtype=torch.float64)
    tensors["history.batch_lr"] = torch.tensor(history["batch_lr"], dtype=torch.float64)
    table = [[math.nan if e[k] is None else float(e[k]) for k in EPOCH_KEYS]
             for e in history["epochs"]]
    tensors["history.epochs"] = torch.tensor(table, dtype=torch.float64).reshape(-1, 8)
    metadata = {
        "format": "odyssey-model",
        "format_version": "1",
        "app_version": "$version (generated script)",
        "torch_version": torch.__version__,
        "project": dumps(PROJECT),
        "preprocessing": dumps(prep),
        "history": dumps({"metric_name": METRIC, "epoch_columns": list(EPOCH_KEYS),
                          "n_steps": len(history["steps"]),
                          "n_epochs": len(history["epochs"])}),
        "test_metrics": dumps(metrics),
    }
    save_file(tensors, path, metadata=metadata)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="$model_name", help="the model file to write")
    ap.add_argument("--epochs", type=int, default=EPOCHS, help="maximum epochs")
    args = ap.parse_args()
    xs, ys, prep = prepare()
    print(f"train {len(xs[0])} / val {len(xs[1])} / test {len(xs[2])} rows, "
          f"{len(prep['feature_names'])} inputs, task {TASK}")
    model, history, stop_reason = train(xs, ys, prep, args.epochs)
    print(f"stopped: {stop_reason} after {len(history['epochs'])} epochs")
    metrics = test_metrics(model, xs[2], ys[2], prep)
    for key, value in metrics.items():
        if key != "confusion_matrix":
            print(f"test {key}: {'-' if value is None else format(value, '.4f')}")
    if "confusion_matrix" in metrics:
        print(f"test confusion matrix: {metrics['confusion_matrix']}")
    save_model_file(args.out, model, prep, history, metrics)
    print(f"saved {args.out}")


N_OUTPUTS = $n_outputs
METRIC = "$metric"

if __name__ == "__main__":
    main()
'''

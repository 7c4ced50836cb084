"""The command line's argument parser: the subcommands and their options."""

from __future__ import annotations

import argparse

from desktop_app import __version__
from desktop_app.cli.runs import add_record_options, add_runs_parser
from desktop_app.cli.sweep import add_sweep_parser
from desktop_app.cli.variants import add_parsers as add_variant_parsers


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="odyssey",
        usage="odyssey [PROJECT.json] | odyssey COMMAND ... | odyssey --self-test",
        description="Odyssey, a desktop neural-network trainer. Without a command, "
        "opens the window (on PROJECT.json when given); these commands run without a "
        "screen.",
        epilog="odyssey --self-test checks this installation: the window paints, the "
        "default project trains, a model file saves and loads.",
    )
    ap.add_argument("--version", action="version", version=f"odyssey {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    tr = sub.add_parser("train", help="train a project headless and print test metrics")
    tr.add_argument("project", nargs="?", help="project JSON (default: the built-in default)")
    tr.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a project field, e.g. --set train.lr=0.003 --set data.dataset=moons",
    )
    tr.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (overrides the project)")
    tr.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    tr.add_argument("--quiet", action="store_true", help="no progress bar or epoch table")
    tr.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        help="epochs to run (a fresh run: same as --set train.epochs=N; with --resume: "
        "N more, by default the rest of the project's epochs)",
    )
    tr.add_argument("--save", metavar="MODEL.safetensors", help="save the trained model here")
    tr.add_argument(
        "--resume",
        metavar="MODEL.safetensors",
        help="continue training a saved model (its project, optimizer and schedule state)",
    )
    tab = tr.add_argument_group(
        "your own table",
        "train on a CSV/TSV file or an Excel .xlsx workbook (its first worksheet; with a "
        "project file: its model and training choices)",
    )
    tab.add_argument(
        "--data",
        metavar="FILE",
        help="the table to train on: .csv, .tsv, .txt or .xlsx (.parquet and .feather "
        "with pyarrow installed)",
    )
    tab.add_argument("--target", metavar="COLUMN", help="the column to predict (with --data)")
    tab.add_argument(
        "--features",
        metavar="A,B,C",
        help="input columns (default: every usable column but the target)",
    )
    tab.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="COLUMN",
        help="keep a column that data sense leaves out by default (likely leakage, an "
        "identifier, mostly empty); repeat for more",
    )
    tab.add_argument(
        "--task",
        choices=("auto", "binary", "multiclass", "regression"),
        default="auto",
        help="default auto: inferred from the target column",
    )
    tab.add_argument(
        "--missing",
        choices=("drop", "mean", "median", "most_frequent"),
        default="drop",
        help="rows with empty feature cells: drop them (default) or fill them",
    )
    tab.add_argument(
        "--type",
        dest="column_types",
        action="append",
        default=[],
        metavar="COLUMN=KIND",
        help="override a detected column kind: numeric, categorical or boolean",
    )
    tab.add_argument(
        "--delimiter", help="comma, semicolon, tab or pipe (default: detect; not for .xlsx)"
    )
    tab.add_argument(
        "--encoding", help="e.g. utf-8, cp1252, latin-1 (default: detect; not for .xlsx)"
    )
    tab.add_argument(
        "--accept-changed",
        action="store_true",
        help="train even though the project's table changed since it was imported",
    )
    add_record_options(tr)

    pr = sub.add_parser("predict", help="predict the rows of a CSV file with a saved model")
    pr.add_argument("model", help="a model file (.safetensors) saved by Odyssey")
    pr.add_argument("input", help="CSV file whose header names the model's features")
    pr.add_argument(
        "-o", "--output", metavar="OUT.csv", help="write a CSV (input + predictions); - for stdout"
    )

    inf = sub.add_parser("info", help="show what a model or project file holds")
    inf.add_argument("path", help="a model (.safetensors) or project (.json) file")
    inf.add_argument("--json", action="store_true", help="print it as JSON")

    ini = sub.add_parser("init", help="write the default project to a JSON file")
    ini.add_argument("path", help="where to write, e.g. project.json")
    ini.add_argument("--force", action="store_true", help="overwrite an existing file")

    sub.add_parser("datasets", help="list the dataset catalog")

    ex = sub.add_parser(
        "export",
        help="export a model to ONNX, or a project to a standalone training script",
        description="--onnx: one self-contained ONNX file (raw inputs in, probabilities or "
        "values out, checked against PyTorch with onnxruntime). --script: a PyTorch + "
        "scikit-learn script that reproduces the project's run and saves a model file.",
    )
    ex.add_argument("source", help="a model file (.safetensors), or a project (.json) for --script")
    what = ex.add_mutually_exclusive_group(required=True)
    what.add_argument("--onnx", metavar="OUT.onnx", help="write the model as ONNX here")
    what.add_argument("--script", metavar="TRAIN.py", help="write the training script here")
    ex.add_argument(
        "--accept-changed",
        action="store_true",
        help="export the script even though the project's table changed since it was imported",
    )

    lr = sub.add_parser(
        "lr-find",
        help="find a learning rate: the range test from the project's initial weights",
        description="Train briefly from the project's initial weights while the learning "
        "rate grows from 1e-7 to 10, stop once the loss passes 4 times its best, and "
        "suggest a rate (cautiously), with how sure the test is and why. Nothing is saved "
        "and the project file is not changed.",
        epilog="exit status: 0 with a suggestion, 1 when the test could suggest none (it "
        "says why), 2 for bad input",
    )
    lr.add_argument("project", nargs="?", help="project JSON (default: the built-in default)")
    lr.add_argument(
        "--steps", type=int, default=200, metavar="N", help="steps of the test (default 200)"
    )
    lr.add_argument(
        "--csv", metavar="OUT.csv", help="write every step's rate, loss and smoothed loss here"
    )
    lr.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a project field, e.g. --set train.optimizer=sgd",
    )
    lr.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (overrides the project)")
    lr.add_argument(
        "--accept-changed",
        action="store_true",
        help="test even though the project's table changed since it was imported",
    )
    add_runs_parser(sub)
    add_variant_parsers(sub, tr)  # train --repeats/--folds, baselines, race
    add_sweep_parser(sub)
    return ap

"""The `export` command: a model file to ONNX (checked with onnxruntime), or a project
(or the project inside a model file) to a standalone training script."""

from __future__ import annotations

from pathlib import Path

from desktop_app.cli.train import check_can_write
from desktop_app.core.errors import OdysseyError


def cmd_export(args) -> int:
    source = Path(args.source)
    if args.onnx:
        from desktop_app.core.export.onnx_file import export_onnx
        from desktop_app.core.persistence.model_file import load_model

        if source.suffix.lower() != ".safetensors":
            raise OdysseyError(
                f"--onnx exports a trained model, and {source} is not a model file "
                "(.safetensors); train and save one first (odyssey train PROJECT --save "
                "MODEL.safetensors)"
            )
        check_can_write(args.onnx, "--onnx")
        report = export_onnx(load_model(source), args.onnx)
        print(report.summary())
        return 0
    from desktop_app.core.export.script import write_script
    from desktop_app.core.persistence.projects import load_project

    check_can_write(args.script, "--script")
    project = load_project(source)
    path = write_script(project, args.script, accept_changed=args.accept_changed)
    print(f"wrote {path}: run it with python {path.name} (PyTorch, scikit-learn, safetensors)")
    return 0

"""Taking a trained model or a project elsewhere: an ONNX file (onnx_file, with its
check against onnxruntime in onnx_check) and a standalone training script (script and
its template sections in script_parts). Import each name from the module defining it."""

"""A user's own table (CSV/TSV/.xlsx) -> prepared arrays; raw rows of it -> model inputs.

API (no Qt; every call may run in a worker thread):

- ``preview_table(path, max_rows=200, delimiter=None, encoding=None, header=None,
  column_types=None) -> TablePreview``: the detected delimiter, header and encoding (with
  a note when it is not UTF-8), the columns with their kinds, the first rows as strings;
  ``.infer_task(target)`` and ``.make_spec(target, ...) -> TableSpec`` for the dialog.
- ``load_table(spec, base_dir=None, progress=None, cancel=None, accept_changed=False)
  -> RawTable``: reads the columns the spec uses in chunks of rows. ``progress(fraction)``
  is called after each chunk, ``cancel() -> bool`` before each (Cancelled is raised). A
  recorded content hash that no longer matches raises TableChangedError unless
  accept_changed. ``RawTable.spec`` records what was detected and the new hash.
- ``load_project_data(project, base_dir=None, progress, cancel, accept_changed)
  -> (project, PreparedData)``: load, check the project against the row count (batch size,
  split, loss: the messages validation gives catalog datasets), encode, split and scale;
  the returned project records the hash and a summary (rows, inputs, classes, task).
  ``prepare_table(data_spec, raw=None, ...)`` does the same for a DataSpec alone.
- ``read_rows_for_prediction(path, prep, ...) -> RawTable``: the raw feature columns of a
  file with the same layout, for ``transform_raw``.
- ``transform_raw(prep, rows)`` (tabular.raw_rows) calls ``encode_raw(prep, rows)`` then
  ``transform``: rows are a list of dicts (column -> string or number), a mapping of
  column -> sequence, or a RawTable. Numeric columns take numbers or numeric strings;
  boolean columns true/false, yes/no, t/f, y/n or 1/0; a category not seen in training
  encodes as all zeros (the one-hot "ignore" rule); an empty cell takes the fill value
  recorded at training, or is an error when training dropped rows with gaps.

Encoding: numeric and boolean columns become one input each; a categorical column one
input per category, named "column=category"; all inputs are then standardised on the
training split (data.prepare_arrays). Fill values are fitted on the training rows only.

Reading uses pandas' C parser (pandas.read_csv in chunks of rows, only the used
columns, numbers as pandas infers them, cast to float32 per chunk, categories as pandas categoricals; the file is
hashed as it is parsed; a file of 48 MB or more is cut into blocks parsed on worker
threads, see csv_blocks); kinds are detected on the first rows with the csv module, as
the preview shows them, and file lines for messages are found only when one is needed.
Modules: detect (bytes, encoding, dialect, kinds, task), files (the checks before a file
is read, opening it, the messages about what it holds), limits (size budgets),
reader (preview and chunked reading), csv_chunks and csv_blocks (the one-thread and the
threaded CSV read), columns (the used columns, block by block), preview, prepare
(encoding, fills, split), raw_rows (a trained model's inputs from raw rows), sense (data
sense: leakage, empty columns, identifiers, imbalance), excel (.xlsx/.xlsm: the first
worksheet's cells, streamed with openpyxl, become the same rows of strings, so
everything above applies; the spec records no delimiter or encoding), arrow_files
(Parquet and Feather, when pyarrow is installed). Old .xls and .ods files are not
read: their message says how to convert them.
"""

"""The local run store: every run kept in one SQLite database in the user's data folder.

One database, ``runs.sqlite3`` (WAL journal, a schema version table and migrations:
core.runs.schema), and a ``models/`` folder for the model files of the newest runs
(``keep_models``, 20 by default) and of starred ones, in ``location.data_dir()``: the
folder ODYSSEY_DATA_DIR names, else the window's setting, else the platform's place for
an application's data (``~/.local/share/odyssey`` on Linux). Qt-free: the GUI, the CLI,
sweeps (worker processes too: SQLite serialises their writes) record through it alike.

API (import each name from the module that defines it)::

    from desktop_app.core.runs.store import RunStore, RunNotFound, GroupInfo
    from desktop_app.core.runs.recorder import RunRecorder
    from desktop_app.core.runs.records import RunSummary, RunRecord, KINDS, SOURCES, STATUSES

    store = RunStore.default()            # or RunStore(folder), keep_models=N
    # Record while training (row written at start, epochs queued, the end waited for):
    trainer = Trainer(project, callbacks=[RunRecorder(store, kind="trial",
                                                     source="sweep", group=gid)])
    # ...or record a finished run in one call (returns the run's id):
    run_id = store.record_result(result, kind="run", source="cli", group=None,
                                 name=None, model=trainer.checkpoint())  # or model_path=
    run_id = store.record_metrics_only(project, test_metrics, metric_name="accuracy",
                                       kind="baseline", val_value=0.91, seconds=0.2)
    gid = store.create_group("sweep", name="lr search", info={...})  # -> group id
    store.set_group_info(gid, {...}); store.groups(kind="sweep"); store.get_group(gid)
    store.list_runs(kind=..., group=gid, status=..., starred=..., text=..., limit=...)
    rec = store.get_run(run_id)           # RunRecord: .epochs, .step_losses, .history()
    store.rename(run_id, "wide"); store.set_note(run_id, "..."); store.set_star(run_id, True)
    store.delete([run_id, ...])           # also deletes its kept model file
    store.flush(); store.close()

Lower level, for your own recording loop: ``start_run(project, kind=, source=, group=,
name=) -> id`` (waits; ``wait=False`` returns a Future of the id, which the calls below
take in place of the id), ``add_epoch(id, logs)`` (queued), ``finish_run(id, result,
model=|model_path=)`` and ``fail_run(id, message, status)`` (queued; each returns a
Future).

Per run: name, kind (run / trial / repeat / fold / baseline / race), group id, source
(gui / cli / sweep), status (running / finished / stopped / interrupted / failed), the
project as JSON, the data's hash (records.data_hash), every epoch's record, the
per-step losses (averaged down to at most 2,000 points), the best validation value of
the headline metric (accuracy, R²; higher is better) and its epoch, the lowest
validation loss, the last epoch's record, the test metrics, time, device, seed, star,
note, created time and the kept model file's path.

Writes never run in the caller's thread: one writer thread per store applies them in
order, each in one transaction (core.runs.writer). A run whose process is gone when a
store is opened (a crash, a kill) is marked interrupted; the database is never left
half-written.
"""

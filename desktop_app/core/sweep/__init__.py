"""Sweeps: many trials of a project, their settings chosen by Optuna, run side by side.

- params: ``--param FIELD=KIND:ARGS`` specs, checked against the project and applied
  through ``Project.with_overrides`` (the paths ``odyssey train --set`` takes).
- spec: SweepSpec, the whole sweep as one record (kept with its study, for resume).
- study: the Optuna study in ``sweeps/NAME/study.journal`` (a file journal several
  processes share and that survives a stop), samplers, pruner, importances; journal:
  that file's backend, synced to disk at most once a second.
- trial: one trial, the headless engine on a Project; progress: counts and the
  listener interface; record: trials into the run store (kind "trial").
- local: trials in worker processes (forked or spawned); ray_backend: the same sweep through Ray
  Tune (the optional 'cluster' extra, imported only there and in ray_parts, its Tune
  classes and results).
"""

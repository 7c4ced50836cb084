"""The user's choices as validated data: DataSpec, ModelSpec, TrainSpec and Project.

The GUI edits a Project, the command line reads one from JSON, a saved model embeds one.
Validation failures raise SpecError with one message naming each bad field, the value
given and what is allowed.

The package, one concern a module: base (the common base class), table (TableSpec), data
(DataSpec), model (ModelSpec, LayerSpec), train (TrainSpec), project (Project and its JSON
round trip) and messages (validation errors as messages). Import each name from the
module that defines it.
"""

# Not a re-export: every spec stands on pydantic's BaseModel, and loading pydantic.main
# before any spec module asks for pydantic.Field avoids a circular import inside
# pydantic's lazy attribute loader that PySide6's import hook otherwise trips (seen with
# pydantic 2.14 and PySide6 6.11 when a panel imports a spec module after Qt).
import pydantic.main  # noqa: E402, F401

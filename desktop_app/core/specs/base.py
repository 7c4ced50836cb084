"""The base of every spec: unknown fields are refused, and a spec is frozen.

Frozen, so that a snapshot of a Project (the one a run trains, the one a model file
saved) can be shared without a deep copy: a change is a new spec (model_copy(update=...)
or a validated with_overrides), never an assignment to a field someone else holds.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    # No infinities or NaN anywhere: every number a project holds is a finite choice.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

"""The base of every spec: unknown fields are refused, assignments are validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

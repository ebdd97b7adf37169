"""The manifest stamped into every entry workbook.

Custom document properties carry the identity (form, version, round, department, issue date,
fingerprint); a very hidden sheet carries the full structure (sheets, defined names,
validations) the fingerprint was taken of, so intake can say exactly what a department changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict

PROPERTY_PREFIX = "xlsheet_"


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    form_id: str
    form_version: str
    round_id: str
    department: str
    issued: dt.date
    fingerprint: str
    lps: str = ""
    """Leading-project codes of the input sheets, comma separated."""

    def properties(self) -> dict[str, str]:
        """Custom document properties (strings, each well under Excel's 255 characters)."""
        return {PROPERTY_PREFIX + k: str(v) for k, v in self.model_dump(mode="json").items()}

    @classmethod
    def from_properties(cls, props: dict[str, Any]) -> Manifest | None:
        """Read back what `properties` wrote; None when the workbook carries no manifest."""
        data = {k[len(PROPERTY_PREFIX) :]: v for k, v in props.items() if k.startswith(PROPERTY_PREFIX)}
        if "form_id" not in data:
            return None
        return cls.model_validate(data)


def canonical_structure(structure: dict[str, Any]) -> str:
    return json.dumps(structure, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def fingerprint(structure: dict[str, Any]) -> str:
    """SHA-256 (first 16 hex digits) of the canonical structure."""
    return hashlib.sha256(canonical_structure(structure).encode()).hexdigest()[:16]

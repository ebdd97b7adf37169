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
KIND_REVIEW = "review"
"""`Manifest.kind` of a review workbook (`xlsheet review`)."""
OPTIONAL = frozenset({"kind", "draft"})
"""Fields stamped only when set."""


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
    master_print: str = ""
    """Fingerprint of what master data gave the department (`xlsheet.given`); "" in books made
    before it was stamped."""
    form_digest: str = ""
    """First 16 hex digits of the form definition's `Form.digest`; "" in books made before it
    was stamped. Two books with the same form version but another digest were made from an
    edited definition (generate rewrites them)."""
    kind: str = ""
    """What the workbook is: "" an entry workbook (a department's answers), `KIND_REVIEW` a lead
    department's review workbook of one leading project's merged draft (`lps` names it)."""
    draft: str = ""
    """A review workbook's draft fingerprint (`xlsheet.merge.draft.Draft.fingerprint`)."""

    def properties(self) -> dict[str, str]:
        """Custom document properties (strings, each well under Excel's 255 characters); the
        review fields only when set, so entry workbooks keep the properties they always had."""
        data = self.model_dump(mode="json")
        return {PROPERTY_PREFIX + k: str(v) for k, v in data.items() if k not in OPTIONAL or v}

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


# The very hidden manifest sheet: one text per row in column A (0-based rows).
ROW_TITLE = 0
ROW_STRUCTURE = 1
"""The canonical structure JSON the fingerprint was taken of."""
ROW_MANIFEST = 2
"""The manifest itself as JSON (a second witness of the custom properties)."""
ROW_GIVEN = 3
"""What master data gave the department (`xlsheet.given`), JSON."""
SHEET_TITLE = "xlsheet manifest"


def sheet_rows(structure: dict[str, Any], manifest: Manifest, given_text: str) -> list[str]:
    """The texts of the manifest sheet, row by row."""
    rows = [""] * (ROW_GIVEN + 1)
    rows[ROW_TITLE] = SHEET_TITLE
    rows[ROW_STRUCTURE] = canonical_structure(structure)
    rows[ROW_MANIFEST] = json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False)
    rows[ROW_GIVEN] = given_text
    return rows

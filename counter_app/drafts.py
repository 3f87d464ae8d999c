"""The intake form being typed, kept as JSON in the data dir so a crash or a close loses nothing.

Plain Python (no Qt): the window saves the state as the clerk types and restores it at next start.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from counter_app.atomic import write_text
from counter_app.attachments import StagedFile
from counter_app.domain import ApplicantKind, ResultDelivery
from counter_app.intake import ApplicantDraft, DossierDraft

DRAFT_VERSION = 1
#: Under the data dir: one draft per user (the daily file sweep keeps the files they name).
DRAFTS_DIR_NAME = "drafts"
_SAFE_KEY = re.compile(r"[^a-z0-9_.-]+")


@dataclass(frozen=True)
class IntakeDraftState:
    """What the clerk has typed so far, as raw text; validation happens only on save."""

    procedure_code: str = ""
    applicant_kind: int = int(ApplicantKind.CITIZEN)
    name: str = ""
    id_number: str = ""
    birth_date: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    # None means "every paper of the procedure"; otherwise the ticked paper codes.
    papers: list[str] | None = None
    # Per paper code, counts the clerk changed: {"originals", "copies", "pages"}.
    paper_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    missing_reason: str = ""
    dossier_sets: int = 1
    result_delivery: str = ResultDelivery.COUNTER.value
    delivery_address: str = ""
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # Scans and files attached to papers (StagedFile.to_json); their bytes are already stored.
    files: list[dict[str, Any]] = field(default_factory=list)
    undigitised_reason: str = ""

    def is_empty(self) -> bool:
        """True when nothing worth restoring was typed."""
        typed = (
            self.procedure_code,
            self.name,
            self.id_number,
            self.birth_date,
            self.phone,
            self.email,
            self.address,
            self.missing_reason,
            self.delivery_address,
            self.notes,
            self.undigitised_reason,
        )
        return not any(v.strip() for v in typed) and not self.files

    def to_dossier_draft(self) -> DossierDraft:
        """The draft the intake service validates and receives."""
        return DossierDraft(
            procedure_code=self.procedure_code.strip(),
            applicant=ApplicantDraft(
                name=self.name,
                id_number=self.id_number,
                kind=ApplicantKind(self.applicant_kind),
                birth_date=self.birth_date.strip() or None,
                phone=self.phone,
                email=self.email,
                address=self.address,
            ),
            papers="required" if self.papers is None else list(self.papers),
            paper_counts={code: dict(counts) for code, counts in self.paper_counts.items()},
            missing_reason=self.missing_reason,
            dossier_sets=self.dossier_sets,
            result_delivery=ResultDelivery(self.result_delivery),
            delivery_address=self.delivery_address,
            notes=self.notes,
            files=self.staged_files(),
            undigitised_reason=self.undigitised_reason,
        )

    def staged_files(self) -> list[StagedFile]:
        return [f for f in map(StagedFile.from_json, self.files) if f is not None]

    def to_json(self) -> dict[str, Any]:
        return {"version": DRAFT_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntakeDraftState:
        """Tolerant reading: unknown keys are dropped, wrong types fall back to defaults."""
        defaults = cls()
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            default = getattr(defaults, f.name)
            if f.name == "papers":
                if value is None or (
                    isinstance(value, list) and all(isinstance(v, str) for v in value)
                ):
                    values[f.name] = value
            elif f.name == "paper_counts":
                if isinstance(value, dict):
                    values[f.name] = {
                        str(code): {
                            str(k): v for k, v in counts.items() if type(v) is int and v >= 0
                        }
                        for code, counts in value.items()
                        if isinstance(counts, dict)
                    }
            elif f.name == "files":
                if isinstance(value, list):
                    values[f.name] = [
                        staged.to_json()
                        for staged in map(StagedFile.from_json, value)
                        if staged is not None
                    ]
            elif f.name == "extra":
                if isinstance(value, dict):
                    values[f.name] = {str(k): str(v) for k, v in value.items()}
            elif isinstance(default, bool) or not isinstance(value, type(default)):
                continue
            else:
                values[f.name] = value
        try:
            ApplicantKind(values.get("applicant_kind", defaults.applicant_kind))
        except ValueError:
            values.pop("applicant_kind", None)
        if values.get("result_delivery") not in {d.value for d in ResultDelivery}:
            values.pop("result_delivery", None)
        return cls(**values)


class DraftStore:
    """One draft file per user in `<data dir>/drafts/`; writes are atomic (temp file + rename)."""

    def __init__(self, data_dir: Path, key: str) -> None:
        safe = _SAFE_KEY.sub("_", key.strip().lower()) or "default"
        self.path = data_dir / DRAFTS_DIR_NAME / f"intake-{safe}.json"

    def save(self, state: IntakeDraftState) -> None:
        """Store the draft, or remove the file when the form is empty."""
        if state.is_empty():
            self.clear()
            return
        write_text(self.path, json.dumps(state.to_json(), ensure_ascii=False, indent=1))

    def load(self) -> IntakeDraftState | None:
        """The saved draft, or None if there is none or the file is unreadable."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        state = IntakeDraftState.from_json(data)
        return None if state.is_empty() else state

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

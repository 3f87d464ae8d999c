"""Roles live in the core: every service that changes data or reads personal data needs an actor."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from counter_app import backup, backup_daily
from counter_app.auth import AuthService, system_actor
from counter_app.centre import CentreService
from counter_app.dossiers import DossierService
from counter_app.export import dvcqg
from counter_app.intake import ApplicantDraft, DossierDraft, IntakeService
from counter_app.printing import ReceiptService
from counter_app.reports import ReportService

ACTOR_NAMES = ("by", "clerk", "user")

# What must take an actor. Methods not listed here either read no personal data (catalog,
# calendar, figures that are counts) or are public by design (the kiosk's masked view).
MUST_TAKE_AN_ACTOR: list[tuple[Any, str]] = [
    (IntakeService, "receive"),
    (DossierService, "lookup"),
    (DossierService, "detail"),
    (DossierService, "search"),
    (DossierService, "list_day"),
    (DossierService, "hand_back"),
    (DossierService, "issue_slip"),
    (ReceiptService, "receipt_data"),
    (ReceiptService, "receipt_pdf"),
    (ReceiptService, "slip_pdf"),
    (CentreService, "save"),
    (CentreService, "set_exception"),
    (AuthService, "create_user"),
    (AuthService, "set_password"),
    (AuthService, "set_active"),
    (ReportService, "register"),
    (ReportService, "drill"),
    (backup, "create_backup"),
    (backup, "restore_backup"),
    (backup_daily, "auto_backup_if_due"),
    (dvcqg, "build_export"),
    (dvcqg, "write_export"),
]
SERVICES = (
    IntakeService,
    DossierService,
    ReceiptService,
    CentreService,
    AuthService,
    ReportService,
)


def _annotation(param: inspect.Parameter) -> str:
    # Annotations are strings here (postponed evaluation); some names exist only for mypy.
    return param.annotation if isinstance(param.annotation, str) else param.annotation.__name__


def _actor_params(fn: Callable[..., Any]) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(fn).parameters.values() if p.name in ACTOR_NAMES]


@pytest.mark.parametrize(("owner", "name"), MUST_TAKE_AN_ACTOR)
def test_listed_services_require_an_actor(owner: Any, name: str) -> None:
    fn = getattr(owner, name)
    params = _actor_params(fn)
    assert len(params) == 1, f"{name} takes no actor"
    (param,) = params
    assert param.kind is inspect.Parameter.KEYWORD_ONLY
    assert param.default is inspect.Parameter.empty, f"{name}: the actor has a default"
    assert _annotation(param) == "UserInfo", f"{name}: the actor is {param.annotation}"


def test_no_service_method_has_an_optional_actor() -> None:
    """Walk every public method of the services: an actor parameter is never optional."""
    seen = 0
    for cls in SERVICES:
        for name, fn in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"):
                continue
            for param in _actor_params(fn):
                seen += 1
                assert param.default is inspect.Parameter.empty, f"{cls.__name__}.{name}"
                assert "None" not in _annotation(param), f"{cls.__name__}.{name}"
    assert seen >= 17


def test_calling_without_an_actor_is_refused(services) -> None:  # type: ignore[no-untyped-def]
    draft = DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft("Nguyễn Văn Đức", "022090001234", address="Hạ Long"),
    )
    with pytest.raises(TypeError, match="clerk"):
        services.intake.receive(draft)
    with pytest.raises(AttributeError):  # None is not an actor either
        services.intake.receive(draft, clerk=None)
    code = services.intake.receive(draft, clerk=system_actor()).code
    for call in (
        lambda: services.dossiers.detail(code),
        lambda: services.dossiers.search("duc"),
        lambda: services.receipts.receipt_pdf(code),
    ):
        with pytest.raises(TypeError, match="by"):
            call()

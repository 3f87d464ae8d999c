"""The audit log: who did what and when. Ids and codes only, never personal data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from counter_app.db.models import AuditEntry
from counter_app.domain import local_now

if TYPE_CHECKING:
    from counter_app.auth import UserInfo


def audit(
    session: Session,
    user: UserInfo | None,
    action: str,
    entity: str = "",
    entity_ref: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit row to the caller's transaction, so it commits or rolls back with the change."""
    session.add(
        AuditEntry(
            at=local_now(),
            user_id=user.id if user else None,
            username=user.username if user else "",
            action=action,
            entity=entity,
            entity_ref=entity_ref,
            detail=detail or {},
        )
    )

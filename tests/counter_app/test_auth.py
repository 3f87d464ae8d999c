"""Users and roles: slow hashes, the first account, what each role may do."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from counter_app import auth as auth_module
from counter_app.auth import (
    LOCKOUT_AFTER,
    LoginLocked,
    hash_password,
    lockout_wait,
    system_actor,
    verify_password,
)
from counter_app.db.models import AuditEntry
from counter_app.domain import Permission, PermissionDenied, Role
from counter_app.errors import UserError
from counter_app.identity import InvalidValue
from tests.conftest import make_services

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


def test_password_hash_is_salted_scrypt() -> None:
    first, second = hash_password("matkhau123"), hash_password("matkhau123")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("matkhau123", first)
    assert not verify_password("matkhau124", first)
    assert not verify_password("matkhau123", "garbage")


def test_first_account_then_only_admins_create_users(services) -> None:  # type: ignore[no-untyped-def]
    assert not services.auth.has_users()
    admin = services.auth.create_first_admin("Admin", "nguyễn quản trị", "matkhau123")
    assert admin.username == "admin" and admin.full_name == "Nguyễn Quản Trị"
    assert admin.role is Role.ADMIN
    with pytest.raises(PermissionDenied):  # only while there is no account at all
        services.auth.create_first_admin("hai", "Lê Hai", "matkhau123")
    clerk = services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=admin)
    with pytest.raises(PermissionDenied, match="không có quyền"):
        services.auth.create_user("binh", "Lê Bình", "matkhau123", Role.CLERK, by=clerk)
    with pytest.raises(InvalidValue, match="đã có người dùng"):
        services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=admin)
    with pytest.raises(InvalidValue, match="ít nhất 8"):
        services.auth.create_user("cuong", "Lê Cường", "ngan", Role.CLERK, by=admin)


def test_authenticate(services) -> None:  # type: ignore[no-untyped-def]
    admin = services.auth.create_user("admin", "Quản Trị", "matkhau123", Role.ADMIN, by=ACTOR)
    assert services.auth.authenticate("ADMIN ", "matkhau123") == admin
    assert services.auth.authenticate("admin", "sai-mat-khau") is None
    assert services.auth.authenticate("khongco", "matkhau123") is None
    services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=admin)
    services.auth.set_active("an", False, by=admin)
    assert services.auth.authenticate("an", "matkhau123") is None


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (
            Role.CLERK,
            {
                Permission.RECEIVE,
                Permission.HAND_BACK,
                Permission.ISSUE_SLIP,
                Permission.VIEW_DOSSIERS,
                Permission.BACKUP,
            },
        ),
        (
            Role.SUPERVISOR,
            {
                Permission.RECEIVE,
                Permission.HAND_BACK,
                Permission.ISSUE_SLIP,
                Permission.VIEW_DOSSIERS,
                Permission.BACKUP,
                Permission.VIEW_DASHBOARD,
            },
        ),
        (Role.ADMIN, set(Permission)),
    ],
)
def test_role_permissions(services, role: Role, allowed: set[Permission]) -> None:  # type: ignore[no-untyped-def]
    user = services.auth.create_user("u1", "Người Dùng", "matkhau123", role, by=ACTOR)
    assert {p for p in Permission if user.can(p)} == allowed


def _scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count real scrypt computations made by the auth module."""
    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs.get("n", 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(auth_module.hashlib, "scrypt", counting)
    return calls


def test_unknown_and_known_user_cost_one_scrypt_each(services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services.auth.create_first_admin("admin", "Quản Trị", "matkhau123")
    services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=ACTOR)
    services.auth.set_active("an", False, by=ACTOR)
    calls = _scrypt_calls(monkeypatch)
    assert services.auth.authenticate("admin", "sai-mat-khau") is None
    known = list(calls)
    calls.clear()
    assert services.auth.authenticate("khongco", "sai-mat-khau") is None
    unknown = list(calls)
    calls.clear()
    assert services.auth.authenticate("an", "matkhau123") is None  # deactivated
    inactive = list(calls)
    calls.clear()
    assert services.auth.authenticate("admin", "matkhau123") is not None
    # The same work, with the same cost parameters, whatever the name.
    assert known == unknown == inactive == calls == [2**14]


def test_lockout_with_backoff_survives_a_restart(services, clock, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    services.auth.create_first_admin("admin", "Quản Trị", "matkhau123")
    for _ in range(LOCKOUT_AFTER):
        assert services.auth.authenticate("admin", "sai-mat-khau") is None
    # Locked now: even the right password is refused, in Vietnamese, saying how long to wait.
    with pytest.raises(LoginLocked, match="thử lại sau 30 giây") as locked:
        services.auth.authenticate("admin", "matkhau123")
    assert isinstance(locked.value, UserError)
    # A restart (new services on the same file) does not reset it.
    again = make_services(sqlite_url, clock)
    try:
        with pytest.raises(LoginLocked):
            again.auth.authenticate("Admin", "matkhau123")
        clock.now += timedelta(seconds=31)
        assert again.auth.authenticate("admin", "sai-mat-khau") is None  # sixth failure
        with pytest.raises(LoginLocked, match="60 giây"):  # the wait doubled
            again.auth.authenticate("admin", "matkhau123")
        clock.now += timedelta(seconds=61)
        assert again.auth.authenticate("admin", "matkhau123") is not None
        # A success clears the streak: one more wrong password does not lock.
        assert again.auth.authenticate("admin", "sai-mat-khau") is None
        assert again.auth.authenticate("admin", "matkhau123") is not None
    finally:
        again.close()
    with services.db.read() as s:
        actions = [
            a for a in s.scalars(select(AuditEntry.action).where(AuditEntry.entity_ref == "admin"))
        ]
    assert actions.count("login.fail") == LOCKOUT_AFTER + 2
    assert actions.count("login.locked") == 3
    assert actions.count("login.ok") == 2


def test_unknown_names_lock_out_too(services) -> None:  # type: ignore[no-untyped-def]
    for _ in range(LOCKOUT_AFTER):
        assert services.auth.authenticate("khongco", "x") is None
    with pytest.raises(LoginLocked):
        services.auth.authenticate("khongco", "x")


def test_backoff_is_capped() -> None:
    assert lockout_wait(LOCKOUT_AFTER - 1) == timedelta(0)
    assert lockout_wait(LOCKOUT_AFTER) == timedelta(seconds=30)
    assert lockout_wait(LOCKOUT_AFTER + 1) == timedelta(seconds=60)
    assert lockout_wait(1000) == timedelta(minutes=15)


def test_a_clerk_cannot_do_admin_actions_through_the_core(services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from counter_app.backup import create_backup, restore_backup
    from counter_app.centre import CentreConfig
    from counter_app.export.dvcqg import build_export, write_export
    from counter_app.reports import Period, ReportService

    admin = services.auth.create_first_admin("admin", "Quản Trị", "matkhau123")
    clerk = services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=admin)
    backup = create_backup(services.db, backup_dir=tmp_path, by=clerk)  # the daily copy: allowed
    day = services.clock().date()
    refused = [
        lambda: services.auth.create_user("binh", "Lê Bình", "matkhau123", Role.CLERK, by=clerk),
        lambda: services.auth.set_password("admin", "matkhau999", by=clerk),
        lambda: services.auth.set_active("admin", False, by=clerk),
        lambda: services.centre.save(CentreConfig(configured=True), by=clerk),
        lambda: services.centre.set_exception(day, None, by=clerk),
        lambda: restore_backup(services, backup, by=clerk, force=True),
        lambda: build_export(services, day, day, by=clerk),
        lambda: write_export(services, day, day, tmp_path / "x.json", by=clerk),
        lambda: ReportService.for_services(services).register(Period.day(day), by=clerk),
    ]
    for action in refused:
        with pytest.raises(PermissionDenied, match="không có quyền"):
            action()
    assert not (tmp_path / "x.json").exists()
    assert services.auth.authenticate("admin", "matkhau123") is not None  # password unchanged
    # The same actions go through for the admin.
    services.centre.save(CentreConfig(configured=True), by=admin)
    assert build_export(services, day, day, by=admin)["SoLuong"] == 0

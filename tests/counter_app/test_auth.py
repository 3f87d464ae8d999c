"""Users and roles: slow hashes, the first account, what each role may do."""

from __future__ import annotations

import pytest

from counter_app.auth import hash_password, verify_password
from counter_app.domain import Permission, PermissionDenied, Role
from counter_app.identity import InvalidValue


def test_password_hash_is_salted_scrypt() -> None:
    first, second = hash_password("matkhau123"), hash_password("matkhau123")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("matkhau123", first)
    assert not verify_password("matkhau124", first)
    assert not verify_password("matkhau123", "garbage")


def test_first_account_then_only_admins_create_users(services) -> None:  # type: ignore[no-untyped-def]
    assert not services.auth.has_users()
    admin = services.auth.create_user("Admin", "nguyễn quản trị", "matkhau123", Role.ADMIN)
    assert admin.username == "admin" and admin.full_name == "Nguyễn Quản Trị"
    with pytest.raises(PermissionDenied):
        services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK)
    clerk = services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=admin)
    with pytest.raises(PermissionDenied, match="không có quyền"):
        services.auth.create_user("binh", "Lê Bình", "matkhau123", Role.CLERK, by=clerk)
    with pytest.raises(InvalidValue, match="đã có người dùng"):
        services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=admin)
    with pytest.raises(InvalidValue, match="ít nhất 8"):
        services.auth.create_user("cuong", "Lê Cường", "ngan", Role.CLERK, by=admin)


def test_authenticate(services) -> None:  # type: ignore[no-untyped-def]
    admin = services.auth.create_user("admin", "Quản Trị", "matkhau123", Role.ADMIN)
    assert services.auth.authenticate("ADMIN ", "matkhau123") == admin
    assert services.auth.authenticate("admin", "sai-mat-khau") is None
    assert services.auth.authenticate("khongco", "matkhau123") is None
    services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=admin)
    services.auth.set_active("an", False, by=admin)
    assert services.auth.authenticate("an", "matkhau123") is None


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.CLERK, {Permission.RECEIVE, Permission.HAND_BACK, Permission.ISSUE_SLIP}),
        (
            Role.SUPERVISOR,
            {
                Permission.RECEIVE,
                Permission.HAND_BACK,
                Permission.ISSUE_SLIP,
                Permission.VIEW_DASHBOARD,
            },
        ),
        (Role.ADMIN, set(Permission)),
    ],
)
def test_role_permissions(services, role: Role, allowed: set[Permission]) -> None:  # type: ignore[no-untyped-def]
    user = services.auth.create_user("u1", "Người Dùng", "matkhau123", role)
    assert {p for p in Permission if user.can(p)} == allowed

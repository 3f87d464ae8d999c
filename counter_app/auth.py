"""Users, roles and password hashing (scrypt: slow and memory-hard, in the standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.audit import audit
from counter_app.db.engine import Database
from counter_app.db.models import User
from counter_app.domain import ROLE_PERMISSIONS, Permission, PermissionDenied, Role, local_now
from counter_app.identity import InvalidValue, normalize_person_name

# ~50 ms and 16 MiB per check on a 2-core counter PC: slow for an attacker, fine at login.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class UserInfo:
    """A signed-in user as the rest of the app sees it (no hash).

    `id` is None for the system actor: the command line acting as the OS user (see
    `system_actor`); audit rows then carry its name and no account.
    """

    id: int | None
    username: str
    full_name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"Tài khoản {self.username} ({self.role.label}) "
                "không có quyền thực hiện thao tác này."
            )


def system_actor(role: Role = Role.ADMIN) -> UserInfo:
    """The command line's actor: the OS user, named in the audit log as `os:<name>`."""
    import getpass

    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment (service accounts)
        name = "unknown"
    return UserInfo(None, f"os:{name}", f"Dòng lệnh ({name})", role)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        digest = hashlib.scrypt(
            password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.full_name, Role(user.role))


def _check_new_user(username: str, full_name: str, password: str) -> tuple[str, str]:
    username = username.strip().lower()
    if (
        not username
        or not username.replace(".", "").replace("_", "").isalnum()
        or len(username) > 64
    ):
        raise InvalidValue(
            "Tên đăng nhập chỉ gồm chữ không dấu, chữ số, dấu chấm hoặc gạch dưới "
            "(tối đa 64 ký tự)."
        )
    if not username.isascii():
        raise InvalidValue("Tên đăng nhập phải viết không dấu.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    return username, normalize_person_name(full_name)


class AuthService:
    """Sign-in and user management."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def has_users(self) -> bool:
        with self._db.read() as s:
            return bool(s.scalar(select(func.count(User.id))))

    def create_user(
        self,
        username: str,
        full_name: str,
        password: str,
        role: Role,
        *,
        by: UserInfo | None = None,
    ) -> UserInfo:
        """Create an account; only an admin may, except for the very first (setup) account."""
        username, full_name = _check_new_user(username, full_name, password)
        with self._db.write() as s:
            first = not s.scalar(select(func.count(User.id)))
            if not first:
                if by is None:
                    raise PermissionDenied(
                        "Cần đăng nhập bằng tài khoản quản trị để tạo tài khoản."
                    )
                by.require(Permission.MANAGE_USERS)
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise InvalidValue(f"Tên đăng nhập «{username}» đã có người dùng.")
            user = User(
                username=username,
                full_name=full_name,
                role=Role(role).value,
                password_hash=hash_password(password),
                active=True,
                created_at=local_now(),
            )
            s.add(user)
            s.flush()
            audit(s, by, "user.create", "user", username, {"role": user.role})
            return _info(user)

    def authenticate(self, username: str, password: str) -> UserInfo | None:
        """The user if the password matches an active account; None otherwise (no hint which)."""
        with self._db.read() as s:
            user = s.scalar(select(User).where(User.username == username.strip().lower()))
            if user is None:
                # Spend the same time as a real check so usernames cannot be probed by timing.
                verify_password(password, hash_password("x" * MIN_PASSWORD_LENGTH))
                return None
            if not user.active or not verify_password(password, user.password_hash):
                return None
            return _info(user)

    def list_users(self) -> list[tuple[UserInfo, bool]]:
        with self._db.read() as s:
            return [(_info(u), u.active) for u in s.scalars(select(User).order_by(User.username))]

    def set_password(self, username: str, password: str, *, by: UserInfo) -> None:
        if by.username != username:
            by.require(Permission.MANAGE_USERS)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidValue(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
        with self._db.write() as s:
            user = _get(s, username)
            user.password_hash = hash_password(password)
            audit(s, by, "user.password", "user", username, {})

    def set_active(self, username: str, active: bool, *, by: UserInfo) -> None:
        by.require(Permission.MANAGE_USERS)
        with self._db.write() as s:
            user = _get(s, username)
            user.active = active
            audit(s, by, "user.activate" if active else "user.deactivate", "user", username, {})


def _get(s: Session, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidValue(f"Không có tài khoản «{username}».")
    return user

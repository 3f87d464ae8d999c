"""Users, roles and password hashing (scrypt: slow and memory-hard, in the standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.audit import audit
from counter_app.db.engine import Database
from counter_app.db.models import AuditEntry, User
from counter_app.domain import ROLE_PERMISSIONS, Permission, PermissionDenied, Role, local_now
from counter_app.errors import UserError
from counter_app.identity import InvalidValue, normalize_person_name

# ~50 ms and 16 MiB per check on a 2-core counter PC: slow for an attacker, fine at login.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
MIN_PASSWORD_LENGTH = 8

# Lockout: after this many wrong passwords in a row for one user name, wait before the next try;
# the wait doubles with every further failure, up to the cap. Counted from the audit log, so a
# restart does not reset it.
LOCKOUT_AFTER = 5
LOCKOUT_FIRST_WAIT = timedelta(seconds=30)
LOCKOUT_MAX_WAIT = timedelta(minutes=15)
# Failures older than this are forgotten; it also bounds the audit-log scan (index on `at`).
LOCKOUT_MEMORY = timedelta(days=1)
_LOGIN_FAIL = "login.fail"
_LOGIN_OK = "login.ok"
_LOGIN_LOCKED = "login.locked"

# Checked against when the user name is unknown, so that refusing it costs one scrypt with the
# same parameters as a wrong password for a real account (user names cannot be told apart by
# timing). No password matches it, and it costs nothing to build.
_DUMMY_HASH = (
    f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}$"
    f"{base64.b64encode(bytes(16)).decode()}${base64.b64encode(bytes(32)).decode()}"
)


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


class LoginLocked(UserError):
    """Too many wrong passwords in a row for this user name; str(exc) says how long to wait."""

    def __init__(self, wait: timedelta) -> None:
        seconds = max(1, int(wait.total_seconds() + 0.999))
        wait_text = f"{seconds} giây" if seconds < 120 else f"{(seconds + 59) // 60} phút"
        super().__init__(
            "Đăng nhập bị tạm khoá vì nhập sai mật khẩu nhiều lần liên tiếp. "
            f"Hãy thử lại sau {wait_text}."
        )
        self.wait = wait


def lockout_wait(failures: int) -> timedelta:
    """How long to wait after `failures` wrong passwords in a row (zero below the threshold)."""
    if failures < LOCKOUT_AFTER:
        return timedelta(0)
    wait: timedelta = LOCKOUT_FIRST_WAIT * (2 ** min(failures - LOCKOUT_AFTER, 16))
    return min(wait, LOCKOUT_MAX_WAIT)


def is_secret_hash(value: str) -> bool:
    """Whether a stored secret (password, kiosk PIN) is already one of our hashes."""
    return value.startswith("scrypt$") and value.count("$") == 5


def hash_pin(pin: str) -> str:
    """The kiosk admin PIN as settings.toml keeps it: a salted scrypt hash, never the PIN."""
    return pin if is_secret_hash(pin) else hash_password(pin)


def pin_matches(pin: str, stored: str) -> bool:
    """Whether `pin` is the PIN behind `stored` (a hash from `hash_pin`); never for an empty one."""
    return bool(pin) and is_secret_hash(stored) and verify_password(pin, stored)


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

    def __init__(self, db: Database, *, clock: Callable[[], datetime] = local_now) -> None:
        self._db = db
        self._clock = clock

    def has_users(self) -> bool:
        with self._db.read() as s:
            return bool(s.scalar(select(func.count(User.id))))

    def create_first_admin(self, username: str, full_name: str, password: str) -> UserInfo:
        """The setup account: an admin, allowed with no actor only while there is no account."""
        return self._create(username, full_name, password, Role.ADMIN, None)

    def create_user(
        self,
        username: str,
        full_name: str,
        password: str,
        role: Role,
        *,
        by: UserInfo,
    ) -> UserInfo:
        """Create an account; only an admin may (the first one is `create_first_admin`)."""
        by.require(Permission.MANAGE_USERS)
        return self._create(username, full_name, password, role, by)

    def _create(
        self, username: str, full_name: str, password: str, role: Role, by: UserInfo | None
    ) -> UserInfo:
        username, full_name = _check_new_user(username, full_name, password)
        with self._db.write() as s:
            first = not s.scalar(select(func.count(User.id)))
            if by is None and not first:
                raise PermissionDenied("Cần đăng nhập bằng tài khoản quản trị để tạo tài khoản.")
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
        """The user if the password matches an active account; None otherwise (no hint which).

        Every refusal is audited; after LOCKOUT_AFTER in a row for one name, LoginLocked until
        the backoff has passed. Known and unknown names cost the same: one scrypt.
        """
        name = username.strip().lower()[:64]
        now = self._clock()
        with self._db.write() as s:
            failures, last = _failure_streak(s, name, since=now - LOCKOUT_MEMORY)
            wait = lockout_wait(failures)
            locked = last + wait - now if last is not None and now < last + wait else None
            if locked is not None:
                _login_row(s, _LOGIN_LOCKED, name, now)  # committed: raised after the block
        if locked is not None:
            raise LoginLocked(locked)
        with self._db.write() as s:
            user = s.scalar(select(User).where(User.username == name))
            stored = user.password_hash if user is not None else _DUMMY_HASH
            matches = verify_password(password, stored)
            if user is None or not user.active or not matches:
                _login_row(s, _LOGIN_FAIL, name, now, user)
                return None
            _login_row(s, _LOGIN_OK, name, now, user)
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


def _login_row(s: Session, action: str, name: str, at: datetime, user: User | None = None) -> None:
    s.add(
        AuditEntry(
            at=at,
            user_id=user.id if user is not None else None,
            username=name,
            action=action,
            entity="user",
            entity_ref=name,
            detail={},
        )
    )


def _failure_streak(s: Session, name: str, *, since: datetime) -> tuple[int, datetime | None]:
    """Wrong passwords for `name` since its last successful login (and `since`), and when the
    last one was."""
    rows = s.execute(
        select(AuditEntry.action, AuditEntry.at)
        .where(
            AuditEntry.at >= since,
            AuditEntry.entity == "user",
            AuditEntry.entity_ref == name,
            AuditEntry.action.in_((_LOGIN_FAIL, _LOGIN_OK)),
        )
        # Newest first by `at` (then id): SQLite then walks the `at` index over the window only.
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(LOCKOUT_AFTER + 20)
    ).all()
    count = 0
    last: datetime | None = None
    for action, at in rows:
        if action == _LOGIN_OK:
            break
        count += 1
        last = last or at
    return count, last


def _get(s: Session, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidValue(f"Không có tài khoản «{username}».")
    return user

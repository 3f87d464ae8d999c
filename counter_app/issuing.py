"""Whether this counter may issue dossier codes right now.

A printed code must never be issued again, so codes stop (with a Vietnamese message saying what to
do) while: the counter number was never chosen; the provincial server binds this counter's token
to another receiving unit, or to another installation (a second PC set up with the same token:
kept in the sync state, so it holds offline too, until the server serves this PC again); the wall
clock is behind the newest receipt in the database, or far from the server's clock, and nobody
confirmed it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from counter_app.db.engine import Database
from counter_app.db.models import Dossier
from counter_app.errors import UserError
from counter_app.settings import HOW_TO_SET_COUNTER, Settings
from counter_app.sync import state as sync_state
from counter_app.sync.counter_info import CounterInfo, fetch_counter_info
from counter_app.sync.transport import AuthError, TokenElsewhereError, TransportError

log = logging.getLogger(__name__)

#: A clock this far behind the newest receipt or away from the server's stops code issuing.
CLOCK_TOLERANCE = timedelta(minutes=5)
#: The identity check at start must not hold a counter hostage to a slow network.
_CHECK_TIMEOUT_S = 3.0


class IssuingBlocked(UserError):
    """Codes cannot be issued now; the message says why and how to fix it."""


class CounterNotChosenError(IssuingBlocked):
    def __init__(self) -> None:
        super().__init__(
            "Máy này chưa được đặt số quầy nên chưa cấp được mã hồ sơ. " + HOW_TO_SET_COUNTER
        )


class CounterIdentityError(IssuingBlocked):
    """The server binds this counter's token to another receiving unit or installation."""


class ClockError(IssuingBlocked):
    """The wall clock looks wrong; confirm it (`confirm_clock`) or fix it to go on."""


def _fmt(at: datetime) -> str:
    return f"{at:%H:%M:%S %d/%m/%Y}"


class IssuingGuard:
    """Checks run before every code; the server check runs at start (`check_server`)."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        db: Database,
        *,
        clock: Callable[[], datetime],
        unit: Callable[[], str],
    ) -> None:
        # A callable: the window and tests swap the services' settings (sync server, counter).
        self._settings_now = settings
        self._db = db
        self._clock = clock
        self._unit = unit
        self.identity_problem = ""
        self.server_clock_problem = ""
        self.clock_confirmed = False
        self.server: CounterInfo | None = None
        self.server_error = ""

    @property
    def _settings(self) -> Settings:
        return self._settings_now()

    # -- at start ------------------------------------------------------------------------------

    def check_server(self) -> CounterInfo | None:
        """Ask the server which unit this token is bound to and what time it is; None when no
        server is configured or it cannot be reached (offline counters keep working)."""
        sync = self._settings.sync
        if not (sync.server_url and sync.token):
            return None
        from dataclasses import replace

        quick = replace(
            sync,
            connect_timeout_s=min(sync.connect_timeout_s, _CHECK_TIMEOUT_S),
            read_timeout_s=min(sync.read_timeout_s, _CHECK_TIMEOUT_S * 2),
        )
        try:
            info = fetch_counter_info(quick)
        except TokenElsewhereError as exc:
            # Kept in the database only: a later sync that the server accepts lifts it.
            self.server_error = str(exc)
            log.error("counter token bound to another installation: %s", exc)
            self._remember_elsewhere(str(exc))
            return None
        except AuthError as exc:
            self.server_error = str(exc)
            log.warning("counter identity check: %s", exc)
            return None
        except TransportError as exc:
            self.server_error = str(exc)
            log.info("counter identity check skipped: %s", exc)
            return None
        self.server = info
        self.server_error = ""
        self._remember_elsewhere("")
        self.apply_server(info, checked_at=self._clock())
        return info

    def _remember_elsewhere(self, message: str) -> None:
        """Keep (or clear) the server's "this token is another PC's" for every later process:
        a counter refused once must not issue codes because the network went away since."""
        with self._db.write() as s:
            before = sync_state.get_value(s, sync_state.TOKEN_ELSEWHERE)
            sync_state.set_value(s, sync_state.TOKEN_ELSEWHERE, message)
            if not message and before and sync_state.get_value(s, sync_state.PAUSED) == before:
                sync_state.set_value(s, sync_state.PAUSED, "")  # the sync paused for that reason

    def token_elsewhere(self) -> str:
        """The server's refusal of this installation ('' when it has not refused it)."""
        with self._db.read() as s:
            return sync_state.get_value(s, sync_state.TOKEN_ELSEWHERE)

    def apply_server(self, info: CounterInfo, *, checked_at: datetime) -> None:
        """Compare the server's unit and clock with ours."""
        ours = self._unit() if self._settings.counter_chosen else ""
        if ours and info.unit != ours:
            self.identity_problem = (
                f"Máy chủ tỉnh gắn mã truy cập của máy này với đơn vị {info.unit}, nhưng máy này "
                f"đang cấp mã cho {ours} (quầy số {self._settings.counter_no}). Hai máy không được "
                "dùng chung một số quầy: không cấp mã hồ sơ cho đến khi sửa số quầy "
                "(`counter-app config set counter_no N`) hoặc xin máy chủ mã truy cập đúng quầy."
            )
            log.error("unit mismatch: server %s, local %s", info.unit, ours)
        else:
            self.identity_problem = ""
        self.server_clock_problem = ""
        if info.server_time is not None:
            skew = checked_at - info.server_time
            if abs(skew) > CLOCK_TOLERANCE:
                self.server_clock_problem = (
                    f"Đồng hồ máy này ({_fmt(checked_at)}) lệch {_minutes(skew)} so với giờ máy "
                    f"chủ tỉnh ({_fmt(info.server_time)})."
                )

    # -- before every code ---------------------------------------------------------------------

    def newest_receipt(self) -> datetime | None:
        with self._db.read() as s:
            newest: datetime | None = s.scalar(select(func.max(Dossier.received_at)))
        return newest

    def clock_problem(self) -> str:
        """'' when the clock looks right (or was confirmed), else what is wrong, in Vietnamese."""
        if self.clock_confirmed:
            return ""
        problems = [self.server_clock_problem] if self.server_clock_problem else []
        newest = self.newest_receipt()
        now = self._clock()
        if newest is not None and now + CLOCK_TOLERANCE < newest:
            problems.append(
                f"Đồng hồ máy này ({_fmt(now)}) chậm hơn hồ sơ mới nhất trong CSDL "
                f"(tiếp nhận lúc {_fmt(newest)})."
            )
        return " ".join(problems)

    def confirm_clock(self) -> None:
        """The clerk checked the clock and says it is right: issue codes again."""
        log.warning("clock confirmed by the user at %s", self._clock())
        self.clock_confirmed = True

    def require(self) -> None:
        """Raise IssuingBlocked when no code may be issued now."""
        if not self._settings.counter_chosen:
            raise CounterNotChosenError()
        if self.identity_problem:
            raise CounterIdentityError(self.identity_problem)
        elsewhere = self.token_elsewhere()
        if elsewhere:
            raise CounterIdentityError(elsewhere)
        problem = self.clock_problem()
        if problem:
            raise ClockError(
                problem + " Không cấp mã hồ sơ cho đến khi sửa giờ máy, hoặc xác nhận giờ máy "
                "là đúng (trong cửa sổ: hộp xác nhận giờ; dòng lệnh: `intake --confirm-clock`)."
            )


def _minutes(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes >= 120:
        return f"{minutes // 60} giờ {minutes % 60} phút"
    return f"{minutes} phút"

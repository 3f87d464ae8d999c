"""One typed settings object for a counter install: file + environment, platformdirs paths.

Centre-wide facts (agency identifier, working hours, calendar exceptions) live in the database so
every counter sharing it agrees; what belongs to this one PC (which counter it is, where its
database is, how it reaches the provincial server) lives here.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from counter_app.atomic import write_bytes

APP_NAME = "counter-app"
APP_AUTHOR = "ttphvhcc"

ENV_HOME = "COUNTER_APP_HOME"
ENV_DB = "COUNTER_APP_DB"
ENV_SERVER_URL = "COUNTER_APP_SERVER_URL"
ENV_SERVER_TOKEN = "COUNTER_APP_SERVER_TOKEN"
ENV_QUEUE_URL = "COUNTER_APP_QUEUE_URL"
ENV_QUEUE_TOKEN = "COUNTER_APP_QUEUE_TOKEN"

COUNTER_NOT_CHOSEN = 0
MAX_COUNTER_NO = 99
#: How to choose the counter number, for every message that refuses without one.
HOW_TO_SET_COUNTER = (
    "Hãy chọn số quầy của máy này: trong hộp thiết lập lần đầu, hoặc chạy "
    "`counter-app init --counter N` hoặc `counter-app config set counter_no N` (N từ 1 đến 99)."
)


@dataclass(frozen=True)
class Paths:
    """Where this install keeps its files."""

    data_dir: Path
    config_dir: Path
    log_dir: Path
    backup_dir: Path
    #: Where the code ledger keeps its copies (counter_app/code_ledger.py): folders that a copy
    #: of the data folder put back does not touch; one holding the database is skipped there.
    code_mark_dirs: tuple[Path, ...] = ()

    @property
    def config_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def install_id_file(self) -> Path:
        """This installation's id (see `install_id`): in the config folder, never the data one."""
        return self.config_dir / "install-id.json"

    @property
    def default_db_file(self) -> Path:
        return self.data_dir / "counter.sqlite3"

    @property
    def files_dir(self) -> Path:
        """Digitised papers, by receiving unit and SHA-256 (outside the database)."""
        return self.data_dir / "files"

    @classmethod
    def discover(cls, env: Mapping[str, str] | None = None) -> Paths:
        """platformdirs locations, or all under $COUNTER_APP_HOME (tests, portable installs)."""
        env = os.environ if env is None else env
        home = env.get(ENV_HOME)
        if home:
            base = Path(home)
            return cls(
                base / "data",
                base / "config",
                base / "logs",
                base / "backups",
                code_mark_dirs=(base / "config", base / "backups"),
            )
        data = Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
        config = Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))
        backups = data / "backups"
        return cls(
            data_dir=data,
            config_dir=config,
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
            backup_dir=backups,
            # On Windows the config folder IS the data folder (%LOCALAPPDATA%\ttphvhcc\
            # counter-app) and the backups are inside it, so the ledger's copies also go to the
            # roaming profile (%APPDATA%\ttphvhcc\counter-app) and to a folder beside the data
            # folder (%LOCALAPPDATA%\ttphvhcc\counter-app-codes); the ledger skips any of these
            # that holds the database or lies inside its folder.
            code_mark_dirs=(
                config,
                Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR, roaming=True)),
                data.with_name(data.name + "-codes"),
                backups,
            ),
        )


@dataclass(frozen=True)
class SyncSettings:
    """How this counter reaches the provincial server."""

    server_url: str = ""
    token: str = ""
    ca_bundle: str = ""
    interval_s: int = 60
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 20.0
    batch_size: int = 200
    # Plain http:// to anything but this PC is refused (tokens and personal data in clear text)
    # unless this is set, e.g. for a pilot on a closed network.
    allow_insecure_http: bool = False
    # This installation's id (`install_id`), sent with every request so the server can bind a
    # token to one PC; filled in by `Settings.load`, never read from or written to the file.
    install_id: str = ""


# The shipped lookup address: a reserved-looking name no centre serves. Receipts carrying it send
# citizens nowhere, so setup asks for the real one and `doctor` flags it.
PLACEHOLDER_LOOKUP_HOST = "dichvucong.example.gov.vn"


def is_placeholder_lookup_url(url: str) -> bool:
    """Whether the lookup address is still the shipped placeholder (or empty)."""
    from urllib.parse import urlsplit

    return not url.strip() or urlsplit(url.strip()).hostname == PLACEHOLDER_LOOKUP_HOST


def normalize_lookup_base_url(text: str) -> str:
    """The citizens' lookup address as receipts append the code to it, or ValueError naming it.

    An http(s) address with a host name; a trailing "/" is added unless it ends in "/" or "="
    (a query such as "…?ma=" takes the code as its value).
    """
    from urllib.parse import urlsplit

    label = "Địa chỉ trang tra cứu hồ sơ"
    url = text.strip()
    if not url:
        raise ValueError(f"{label}: không được để trống.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise ValueError(
            f"{label}: «{url}» không phải địa chỉ web (ví dụ "
            "https://dichvucong.quangninh.gov.vn/tra-cuu/)."
        )
    if parts.hostname == PLACEHOLDER_LOOKUP_HOST:
        raise ValueError(
            f"{label}: {PLACEHOLDER_LOOKUP_HOST} chỉ là địa chỉ mẫu, người dân không tra cứu được; "
            "hãy nhập địa chỉ thật của tỉnh."
        )
    return url if url.endswith(("/", "=")) else url + "/"


@dataclass(frozen=True)
class QueueSettings:
    """How this PC (counter, kiosk or board) reaches the centre's queue service."""

    server_url: str = ""
    token: str = ""
    # What the board says for a call; {number} and {counter} are filled in.
    sentence: str = "Mời công dân có số thứ tự {number} đến quầy số {counter}"
    kiosk_printer: str = ""


@dataclass(frozen=True)
class Settings:
    """Everything configurable on one counter PC."""

    paths: Paths
    db_url: str = ""
    # Which counter this PC is; chosen at setup, never defaulted (two PCs left at a default would
    # issue the same dossier codes). 0 = not chosen yet: intake is refused until it is set.
    counter_no: int = COUNTER_NOT_CHOSEN
    # "counter": this counter is its own receiving unit in dossier codes (safe offline);
    # "centre": all counters share one sequence (only with one shared server database).
    code_scope: str = "counter"
    lookup_base_url: str = f"https://{PLACEHOLDER_LOOKUP_HOST}/tra-cuu/"
    # Admin commands (users, restore, centre, exports with full ID numbers) ask for an admin's
    # credentials instead of trusting the OS user.
    cli_requires_admin: bool = False
    # The printer chosen for A4 pages (receipts, slips, reports); the only printer setting of
    # older versions, so an old file's choice stays the A4 printer and the 80 mm default.
    printer_name: str = ""
    # The printer chosen for 80 mm pages (the receipt slip, queue tickets): a thermal roll.
    slip_printer_name: str = ""
    # The layout a receipt is drawn in after a save and for a reprint: "a4" (two copies on A4)
    # or "slip80" (one 80 mm slip, for counters that have only a thermal printer). The clerk's
    # last choice in the print preview; also `config set receipt_layout slip80`.
    receipt_layout: str = "a4"
    kiosk_idle_s: int = 30
    kiosk_admin_pin: str = ""
    backup_keep_days: int = 14
    # How far back a received time may be typed in, in working days (late data entry).
    backdate_working_days: int = 3
    # One digitised file at most this large (MB); the server may set a lower limit.
    max_file_mb: int = 20
    # The SANE scanner the intake form's "Quét" uses ("" = the first one SANE finds).
    scanner_device: str = ""
    sync: SyncSettings = field(default_factory=SyncSettings)
    queue: QueueSettings = field(default_factory=QueueSettings)

    @property
    def counter_chosen(self) -> bool:
        return 1 <= self.counter_no <= MAX_COUNTER_NO

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL in force: explicit, else the SQLite file in the data dir."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{self.paths.default_db_file}"

    @classmethod
    def load(
        cls,
        *,
        env: Mapping[str, str] | None = None,
        db_url: str | None = None,
        config_file: Path | None = None,
    ) -> Settings:
        """Defaults, then the settings file, then the environment, then explicit arguments."""
        env = os.environ if env is None else env
        paths = Paths.discover(env)
        path = config_file or paths.config_file
        data: dict[str, Any] = {}
        if path.exists():
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        settings = cls(paths=paths)
        settings = settings._apply(data)
        settings = _hash_plain_kiosk_pin(settings, path)
        if env.get(ENV_DB):
            settings = replace(settings, db_url=env[ENV_DB])
        sync = settings.sync
        if env.get(ENV_SERVER_URL):
            sync = replace(sync, server_url=env[ENV_SERVER_URL])
        if env.get(ENV_SERVER_TOKEN):
            sync = replace(sync, token=env[ENV_SERVER_TOKEN])
        queue = settings.queue
        if env.get(ENV_QUEUE_URL):
            queue = replace(queue, server_url=env[ENV_QUEUE_URL])
        if env.get(ENV_QUEUE_TOKEN):
            queue = replace(queue, token=env[ENV_QUEUE_TOKEN])
        if not sync.install_id:
            sync = replace(sync, install_id=install_id(paths))
        settings = replace(settings, sync=sync, queue=queue)
        if db_url:
            settings = replace(settings, db_url=db_url)
        return settings

    def _apply(self, data: Mapping[str, Any]) -> Settings:
        top = {f.name: f for f in fields(self) if f.name not in _SECTIONS}
        changes: dict[str, Any] = {}
        for key, value in data.items():
            if key in top:
                changes[key] = _coerce(top[key].type, value, key)
        if "receipt_layout" in changes:
            changes["receipt_layout"] = check_layout(changes["receipt_layout"])
        sync_data = data.get("sync", {})
        sync_fields = {f.name: f for f in fields(SyncSettings) if f.name not in _DERIVED}
        sync_changes = {
            k: _coerce(sync_fields[k].type, v, f"sync.{k}")
            for k, v in sync_data.items()
            if k in sync_fields
        }
        queue_data = data.get("queue", {})
        queue_fields = {f.name: f for f in fields(QueueSettings)}
        queue_changes = {
            k: _coerce(queue_fields[k].type, v, f"queue.{k}")
            for k, v in queue_data.items()
            if k in queue_fields
        }
        return replace(
            self,
            **changes,
            sync=replace(self.sync, **sync_changes),
            queue=replace(self.queue, **queue_changes),
        )


#: Which setting remembers the printer for pages of each layout (values of receipts.Layout).
PRINTER_KEYS: dict[str, str] = {"a4": "printer_name", "slip80": "slip_printer_name"}
#: Pages at most this wide (in points) are 80 mm roll pages; 80 mm = 226.8 pt, A5 is 420.
ROLL_MAX_WIDTH_PT = 300.0


#: The receipt layouts by name, with what the clerk reads (values of receipts.Layout).
LAYOUT_LABELS: dict[str, str] = {"a4": "A4 (2 liên)", "slip80": "80 mm (giấy cuộn)"}


def check_layout(value: str, key: str = "receipt_layout") -> str:
    """`value` as a layout name, or ValueError naming the setting and the choices."""
    layout = str(value).strip().lower()
    if layout not in LAYOUT_LABELS:
        raise ValueError(
            f"Giá trị «{value}» không hợp lệ cho thiết lập {key}: chọn "
            + " hoặc ".join(f"{k} = {v}" for k, v in LAYOUT_LABELS.items())
            + "."
        )
    return layout


def page_layout(width_pt: float) -> str:
    """The layout ("a4" or "slip80") a page of this width is printed as, to pick its printer."""
    return "slip80" if width_pt <= ROLL_MAX_WIDTH_PT else "a4"


def remembered_printer(settings: Settings, layout: str) -> str:
    """The printer last chosen for `layout`; 80 mm falls back to the one older versions kept."""
    chosen = str(getattr(settings, PRINTER_KEYS.get(layout, "printer_name")))
    return chosen or settings.printer_name


def with_printer(settings: Settings, layout: str, name: str) -> Settings:
    """`settings` remembering `name` as the printer for `layout`."""
    if PRINTER_KEYS.get(layout) == "slip_printer_name":
        return replace(settings, slip_printer_name=name)
    return replace(settings, printer_name=name)


_SECTIONS = ("paths", "sync", "queue")
#: Section fields the program fills in itself: `config set` refuses them, the file is ignored.
_DERIVED = frozenset({"install_id"})
_SECTION_TYPES: dict[str, Any] = {"sync": SyncSettings, "queue": QueueSettings}

KNOWN_KEYS: tuple[str, ...] = tuple(
    [f.name for f in fields(Settings) if f.name not in _SECTIONS]
    + [f"sync.{f.name}" for f in fields(SyncSettings) if f.name not in _DERIVED]
    + [f"queue.{f.name}" for f in fields(QueueSettings)]
)


def _coerce(type_name: Any, value: Any, key: str) -> Any:
    kind = str(type_name)
    try:
        if kind == "bool":
            return _bool(value, key)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on", "có"):
                return True
            if text in ("0", "false", "no", "off", "không"):
                return False
            raise ValueError(text)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Giá trị «{value}» không hợp lệ cho thiết lập {key}.") from exc


def _hash_plain_kiosk_pin(settings: Settings, path: Path) -> Settings:
    """A kiosk PIN left in plain text by an older version: hash it, in the file too if we can."""
    pin = settings.kiosk_admin_pin
    from counter_app.auth import hash_pin, is_secret_hash

    if not pin or is_secret_hash(pin):
        return settings
    hashed = replace(settings, kiosk_admin_pin=hash_pin(pin))
    try:
        set_value(hashed, "kiosk_admin_pin", hashed.kiosk_admin_pin, config_file=path)
    except OSError as exc:  # a read-only file: the PIN still works, hashed in memory
        logging.getLogger(__name__).warning("kiosk PIN not rewritten as a hash: %s", exc.strerror)
    return hashed


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "có"):
        return True
    if text in ("false", "0", "no", "off", "không", ""):
        return False
    raise ValueError(f"Giá trị «{value}» không hợp lệ cho thiết lập {key} (true hoặc false).")


def set_value(settings: Settings, key: str, value: str, *, config_file: Path | None = None) -> Path:
    """Write one `KEY VALUE` into the settings file (the `config set` command); returns the file."""
    if key not in KNOWN_KEYS:
        known = ", ".join(KNOWN_KEYS)
        raise ValueError(f"Không có thiết lập «{key}». Các thiết lập: {known}.")
    if key == "kiosk_admin_pin" and value:
        from counter_app.auth import hash_pin

        value = hash_pin(value)  # the file never holds the PIN itself
    path = config_file or settings.paths.config_file
    data: dict[str, Any] = {}
    if path.exists():
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    section, _, name = key.rpartition(".")
    target = data.setdefault(section, {}) if section else data
    field_type = (
        {f.name: f.type for f in fields(_SECTION_TYPES[section])}[name]
        if section
        else {f.name: f.type for f in fields(Settings)}[name]
    )
    if key == "lookup_base_url":
        value = normalize_lookup_base_url(value)
    if key == "receipt_layout":
        value = check_layout(value)
    target[name] = _coerce(field_type, value, key)
    if key == "counter_no" and not 1 <= target[name] <= MAX_COUNTER_NO:
        raise ValueError(f"Số quầy phải từ 1 đến {MAX_COUNTER_NO}.")
    # Tokens live here: the helper makes it readable by this user only.
    return write_bytes(path, tomli_w.dumps(data).encode("utf-8"))


def install_id(paths: Paths) -> str:
    """This installation's stable random id, created on first use in the config folder.

    The server binds a counter token to the first id it sees, so two PCs set up with one token
    cannot both issue a unit's codes. It lives in the config folder beside settings.toml but in
    its own file, and it names the machine it was made on: the data folder (database, files) is
    what gets copied to a new PC, `settings.toml` is what a clerk copies to set a laptop up, and
    a whole profile copied to another machine gets a new id there. '' when the folder cannot be
    written (no header is sent then; see docs/sync-protocol.md).
    """
    import json
    import platform
    import uuid

    path = paths.install_id_file
    host = platform.node()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        value = str(data.get("install_id", ""))
        if _UUID.match(value) and data.get("host") == host:
            return value
    except FileNotFoundError:
        pass
    except (OSError, ValueError, AttributeError) as exc:
        _log.warning("install id file %s unreadable, making a new one: %s", path, exc)
    value = str(uuid.uuid4())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, json.dumps({"install_id": value, "host": host}).encode("utf-8"))
    except OSError as exc:
        _log.error("cannot keep the install id in %s: %s", path, exc)
        return ""
    _log.info("new install id %s in %s", value, path)
    return value


_log = logging.getLogger(__name__)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

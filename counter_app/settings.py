"""One typed settings object for a counter install: file + environment, platformdirs paths.

Centre-wide facts (agency identifier, working hours, calendar exceptions) live in the database so
every counter sharing it agrees; what belongs to this one PC (which counter it is, where its
database is, how it reaches the provincial server) lives here.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

APP_NAME = "counter-app"
APP_AUTHOR = "ttphvhcc"

ENV_HOME = "COUNTER_APP_HOME"
ENV_DB = "COUNTER_APP_DB"
ENV_SERVER_URL = "COUNTER_APP_SERVER_URL"
ENV_SERVER_TOKEN = "COUNTER_APP_SERVER_TOKEN"


@dataclass(frozen=True)
class Paths:
    """Where this install keeps its files."""

    data_dir: Path
    config_dir: Path
    log_dir: Path
    backup_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "settings.toml"

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
            return cls(base / "data", base / "config", base / "logs", base / "backups")
        data = Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
        return cls(
            data_dir=data,
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
            backup_dir=data / "backups",
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


@dataclass(frozen=True)
class Settings:
    """Everything configurable on one counter PC."""

    paths: Paths
    db_url: str = ""
    counter_no: int = 1
    # "counter": this counter is its own receiving unit in dossier codes (safe offline);
    # "centre": all counters share one sequence (only with one shared server database).
    code_scope: str = "counter"
    lookup_base_url: str = "https://dichvucong.example.gov.vn/tra-cuu/"
    printer_name: str = ""
    kiosk_idle_s: int = 30
    kiosk_admin_pin: str = ""
    backup_keep_days: int = 14
    # One digitised file at most this large (MB); the server may set a lower limit.
    max_file_mb: int = 20
    sync: SyncSettings = field(default_factory=SyncSettings)

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
        if env.get(ENV_DB):
            settings = replace(settings, db_url=env[ENV_DB])
        sync = settings.sync
        if env.get(ENV_SERVER_URL):
            sync = replace(sync, server_url=env[ENV_SERVER_URL])
        if env.get(ENV_SERVER_TOKEN):
            sync = replace(sync, token=env[ENV_SERVER_TOKEN])
        settings = replace(settings, sync=sync)
        if db_url:
            settings = replace(settings, db_url=db_url)
        return settings

    def _apply(self, data: Mapping[str, Any]) -> Settings:
        top = {f.name: f for f in fields(self) if f.name not in ("paths", "sync")}
        changes: dict[str, Any] = {}
        for key, value in data.items():
            if key in top:
                changes[key] = _coerce(top[key].type, value, key)
        sync_data = data.get("sync", {})
        sync_fields = {f.name: f for f in fields(SyncSettings)}
        sync_changes = {
            k: _coerce(sync_fields[k].type, v, f"sync.{k}")
            for k, v in sync_data.items()
            if k in sync_fields
        }
        return replace(self, **changes, sync=replace(self.sync, **sync_changes))


KNOWN_KEYS: tuple[str, ...] = tuple(
    [f.name for f in fields(Settings) if f.name not in ("paths", "sync")]
    + [f"sync.{f.name}" for f in fields(SyncSettings)]
)


def _coerce(type_name: Any, value: Any, key: str) -> Any:
    kind = str(type_name)
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Giá trị «{value}» không hợp lệ cho thiết lập {key}.") from exc


def set_value(settings: Settings, key: str, value: str) -> Path:
    """Write one `KEY VALUE` into the settings file (the `config set` command); returns the file."""
    if key not in KNOWN_KEYS:
        known = ", ".join(KNOWN_KEYS)
        raise ValueError(f"Không có thiết lập «{key}». Các thiết lập: {known}.")
    path = settings.paths.config_file
    data: dict[str, Any] = {}
    if path.exists():
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    section, _, name = key.rpartition(".")
    target = data.setdefault(section, {}) if section else data
    field_type = (
        {f.name: f.type for f in fields(SyncSettings)}[name]
        if section
        else {f.name: f.type for f in fields(Settings)}[name]
    )
    target[name] = _coerce(field_type, value, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        tomli_w.dump(data, fh)
    os.replace(tmp, path)
    # Tokens live here: readable by this user only.
    path.chmod(0o600)
    return path

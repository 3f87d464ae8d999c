"""`counter-app doctor`: what IT staff need to see first when a counter misbehaves."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from counter_app.resources import resource_path, resources_dir
from counter_app.settings import (
    LAYOUT_LABELS,
    PRINTER_KEYS,
    Settings,
    is_placeholder_lookup_url,
    remembered_printer,
)

_PACKAGES = ("sqlalchemy", "alembic", "reportlab", "psycopg", "pypdfium2", "platformdirs")
_REQUIRED_FONTS = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")


def app_version() -> str:
    """The installed version: the bundle's build info, the package metadata, or pyproject."""
    base = getattr(sys, "_MEIPASS", None)
    if base is not None:
        info = Path(base) / "build-info.json"
        if info.exists():
            return str(json.loads(info.read_text(encoding="utf-8")).get("version", "?"))
    try:
        return importlib.metadata.version("counter-app")
    except importlib.metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if pyproject.exists():
        with pyproject.open("rb") as fh:
            return str(tomllib.load(fh).get("project", {}).get("version", "?"))
    return "?"


def _package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        module = sys.modules.get(name)
        version = getattr(module, "__version__", None)
        return str(version) if version else None


def versions() -> dict[str, Any]:
    data: dict[str, Any] = {
        "app": app_version(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "frozen": bool(getattr(sys, "frozen", False)),
    }
    for name in _PACKAGES:
        data[name] = _package_version(name)
    return data


def paths(settings: Settings) -> dict[str, str]:
    from counter_app.logs import log_file

    p = settings.paths
    return {
        "config_file": str(p.config_file),
        "data_dir": str(p.data_dir),
        "log_dir": str(p.log_dir),
        "log_file": str(log_file(settings)),
        "backup_dir": str(p.backup_dir),
        "code_mark_dirs": ", ".join(str(d) for d in p.code_mark_dirs),
        "resources": str(resources_dir()),
        "executable": sys.executable,
    }


def database(settings: Settings) -> dict[str, Any]:
    """Health of the database in use: reachable, schema revision, integrity, pending sync."""
    from sqlalchemy.engine import make_url

    from counter_app.backup import pending_sync
    from counter_app.db.engine import Database, sqlite_file
    from counter_app.db.migrate import current_revision, head_revision

    url = make_url(settings.database_url)
    info: dict[str, Any] = {
        "url": url.render_as_string(hide_password=True),
        "backend": url.get_backend_name(),
        "head_revision": head_revision(),
    }
    file = sqlite_file(url)
    if file is not None:
        info["file"] = str(file)
        info["exists"] = file.exists()
        if not file.exists():
            # Opening would create an empty file; doctor only looks.
            info["integrity"] = "chưa có CSDL (chạy `counter-app init`)"
            return info
        info["size_bytes"] = file.stat().st_size
    db = Database(url)
    try:
        info["revision"] = current_revision(db)
        info["up_to_date"] = info["revision"] == info["head_revision"]
        info["integrity"] = _integrity(db)
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "dossier" in tables:
                info["dossiers"] = conn.execute(text("SELECT count(*) FROM dossier")).scalar()
        pending = pending_sync(db)
        info["pending_sync"] = sum(pending.values())
        info["pending_sync_by_state"] = pending
    except Exception as exc:  # doctor reports whatever is wrong instead of failing
        detail = str(getattr(exc, "orig", None) or exc)  # SQLite's words, not SQLAlchemy's
        info.setdefault("integrity", f"lỗi: {detail}")
        info["error"] = detail
    finally:
        db.dispose()
    return info


def code_marks(settings: Settings) -> dict[str, Any]:
    """The code ledger and its copies against the database, read only: the codes issued and
    printed that the database lacks (data put back from an old copy), even before any start."""
    from sqlalchemy.engine import make_url

    from counter_app.code_ledger import CodeLedger, Rollback, missing_codes, read_only_marks
    from counter_app.db.engine import Database, sqlite_file

    file = sqlite_file(make_url(settings.database_url))
    if file is None or not file.exists():
        return {"ledger": None, "copies": [], "lost_codes": [], "errors": []}
    ledger = CodeLedger.for_database(file, settings.paths.code_mark_dirs)
    files = [ledger.path, *ledger.copies]
    highest, lost, errors = read_only_marks(files)
    info: dict[str, Any] = {
        "ledger": str(ledger.path),
        "copies": [str(p) for p in ledger.copies],
        "present": [str(p) for p in files if p.exists()],
        "lost_codes": [],
        "errors": errors,
    }
    db = Database(make_url(settings.database_url))
    try:
        with db.read() as s:
            info["lost_codes"] = missing_codes(s, highest, lost)
    except Exception as exc:  # a damaged database is reported by `database`
        info["errors"].append(f"{file}: {getattr(exc, 'orig', None) or exc}")
    finally:
        db.dispose()
    if info["lost_codes"]:
        info["message"] = Rollback(tuple(info["lost_codes"])).message()
    return info


def _integrity(db: Any) -> str:
    """'ok' or the problems found: PRAGMA integrity_check, or PostgreSQL's invalid indexes."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            rows = conn.execute(text("PRAGMA integrity_check")).scalars().all()
            return "; ".join(str(r) for r in rows)
        if db.is_postgres:
            conn.execute(text("SELECT 1"))
            bad = (
                conn.execute(
                    text("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid")
                )
                .scalars()
                .all()
            )
            return "ok" if not bad else "chỉ mục hỏng: " + ", ".join(bad)
        conn.execute(text("SELECT 1"))
        return "ok"


def backups(settings: Settings) -> dict[str, Any]:
    from counter_app.backup import backup_files
    from counter_app.backup_daily import auto_backups, keep_days

    folder = settings.paths.backup_dir
    files = backup_files(settings)  # not rglob: the backups' files folder holds years of scans
    daily = auto_backups(settings)
    return {
        "folder": str(folder),
        "count": len(files),
        "keep_days": keep_days(settings),
        "last_daily": str(daily[-1]) if daily else None,
        "latest": str(max(files, key=lambda p: p.stat().st_mtime)) if files else None,
    }


def attachments(settings: Settings, *, verify: bool = False) -> dict[str, Any]:
    """Digitised files: each row's bytes in the store (size; the hash with `verify`), and the
    files the server refused for good. Problems name the dossier and paper."""
    from sqlalchemy.engine import make_url

    from counter_app.attachment_backup import check_files, file_refs
    from counter_app.db.engine import Database, sqlite_file
    from counter_app.sync.files import rejected_files

    url = make_url(settings.database_url)
    file = sqlite_file(url)
    info: dict[str, Any] = {"folder": str(settings.paths.files_dir), "verified_hashes": verify}
    if file is None or not file.exists():
        return {**info, "checked": 0, "problems": [], "rejected": []}
    try:
        refs = file_refs(file)
        problems = check_files(refs, settings.paths.files_dir, deep=verify)
        db = Database(url)
        try:
            rejected = rejected_files(db)
        finally:
            db.dispose()
    except Exception as exc:  # a damaged database is reported by the database section
        return {**info, "checked": 0, "problems": [], "rejected": [], "error": str(exc)}
    return {
        **info,
        "checked": len({r.sha256 for r in refs}),
        "problems": [p.to_json() for p in problems],
        "rejected": [r.to_json() | {"message": r.message} for r in rejected],
    }


def calendar(settings: Settings) -> dict[str, Any]:
    """The years ahead (this one and the next) without an announcement of days off loaded:
    appointments counted over them use the estimated Tết and 2/9 days."""
    from sqlalchemy.engine import make_url

    from counter_app.centre import CentreService
    from counter_app.db.engine import Database, sqlite_file
    from counter_app.domain import local_now

    today = local_now().date()
    info: dict[str, Any] = {"official_years": [], "estimated_years": []}
    url = make_url(settings.database_url)
    file = sqlite_file(url)
    if file is not None and not file.exists():
        return info
    db = Database(url)
    try:
        centre = CentreService(db)
        info["official_years"] = sorted(centre.official_years())
        ahead = (date(today.year, 1, 1), date(today.year + 1, 12, 31))
        info["estimated_years"] = list(centre.calendar().estimated_years(*ahead))
    except Exception as exc:  # a damaged database is reported by the database section
        info["error"] = str(getattr(exc, "orig", None) or exc)
    finally:
        db.dispose()
    return info


def sync_health(settings: Settings) -> dict[str, Any]:
    """Sync as the clerk must know it: this installation's id (what `server token move --to`
    needs), whether the server binds the token to another PC, and every dossier it refused."""
    from sqlalchemy.engine import make_url

    from counter_app.db.engine import Database, sqlite_file
    from counter_app.sync import state as st
    from counter_app.sync.status import rejected_dossiers

    sync = settings.sync
    info: dict[str, Any] = {
        "server_url": sync.server_url,
        "token_set": bool(sync.token),
        "install_id": sync.install_id,
        "token_elsewhere": "",
        "rejected_dossiers": [],
    }
    url = make_url(settings.database_url)
    file = sqlite_file(url)
    if file is not None and not file.exists():
        return info
    db = Database(url)
    try:
        info["token_elsewhere"] = st.read_values(db).get(st.TOKEN_ELSEWHERE, "")
        info["rejected_dossiers"] = [
            d.to_json() | {"message": d.message} for d in rejected_dossiers(db)
        ]
    except Exception as exc:  # a damaged or old database is reported by the database section
        info["error"] = str(exc)
    finally:
        db.dispose()
    return info


def fonts() -> dict[str, Any]:
    folder = resource_path("fonts")
    found = sorted(p.name for p in folder.glob("*.ttf")) if folder.is_dir() else []
    missing = [name for name in _REQUIRED_FONTS if name not in found]
    return {"folder": str(folder), "found": found, "missing": missing, "ok": not missing}


def printers(probe: Sequence[str] | None = None, timeout: float = 30.0) -> dict[str, Any]:
    """Installed printers as the window sees them, else as the OS tools do; never raises.

    `probe` is the front end's child process that prints its printer list as one JSON line (the
    core never imports the window's toolkit); without a front end the OS tools answer.
    """
    errors: list[str] = []
    if probe is None:
        errors.append("không có giao diện để hỏi danh sách máy in (chạy bằng lệnh counter-app)")
    else:
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        try:
            proc = subprocess.run(
                list(probe),
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=timeout,
                env=env,
                check=False,
            )
            if proc.returncode == 0:
                data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
                data.setdefault("source", "frontend")
                return data
            errors.append(f"giao diện: mã thoát {proc.returncode}: {proc.stderr.strip()[-300:]}")
        except (OSError, subprocess.TimeoutExpired, ValueError, IndexError) as exc:
            errors.append(f"giao diện: {exc}")
    fallback = _os_printers(timeout)
    fallback["errors"] = errors + fallback.get("errors", [])
    return fallback


def _os_printers(timeout: float) -> dict[str, Any]:
    if sys.platform == "win32":
        command = [
            "powershell",
            "-NoProfile",
            "-Command",
            "Get-CimInstance Win32_Printer | ForEach-Object { $_.Name }",
        ]
        source = "powershell"
    else:
        command = ["lpstat", "-a"]
        source = "lpstat"
    if shutil.which(command[0]) is None:
        return {"source": None, "printers": [], "errors": [f"{command[0]} không có trên máy"]}
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"source": None, "printers": [], "errors": [f"{source}: {exc}"]}
    names = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
    if source == "powershell":
        names = [line.strip() for line in proc.stdout.splitlines() if line.strip()]
    result: dict[str, Any] = {"source": source, "printers": names}
    if proc.returncode != 0:
        result["errors"] = [f"{source}: {proc.stderr.strip()[-300:]}"]
    return result


def chosen_printers(settings: Settings, found: dict[str, Any]) -> dict[str, Any]:
    """The printer remembered for each layout and whether the print system still has it.

    `found` is the `printers` section (the front end's list, else the OS tools'); `present` is
    None when no list could be had. A layout with no choice of its own falls back as the print
    preview does (80 mm → the A4 choice), `fallback` says so; "" = the system's default printer.
    """
    names = found.get("printers") if found.get("source") else None
    chosen: dict[str, Any] = {}
    for layout, key in PRINTER_KEYS.items():
        name = remembered_printer(settings, layout)
        chosen[layout] = {
            "key": key,
            "printer": name,
            "fallback": bool(name) and not getattr(settings, key),
            "present": None if names is None or not name else name in names,
        }
    return {"receipt_layout": settings.receipt_layout, "layouts": chosen}


#: Below this much free space `doctor` warns (a day of intake is small, a backup is not).
LOW_DISK_BYTES = 500 * 1024 * 1024


def disk(settings: Settings, db_size: int = 0) -> dict[str, Any]:
    """Free space where the app writes: data, backups, logs; `low` lists folders running out."""
    from counter_app.atomic import free_bytes

    p = settings.paths
    # A backup needs about the database's size again; warn before that no longer fits twice.
    floor = max(LOW_DISK_BYTES, 2 * db_size)
    folders: dict[str, Any] = {}
    low: list[str] = []
    for name, folder in (("data", p.data_dir), ("backups", p.backup_dir), ("logs", p.log_dir)):
        free = free_bytes(folder)
        folders[name] = {"folder": str(folder), "free_bytes": free}
        if free is not None and free < floor:
            low.append(str(folder))
    return {"folders": folders, "warn_below_bytes": floor, "low": low}


def restore_advice(settings: Settings) -> str | None:
    """The exact command that puts the newest good backup back, or None without one."""
    from counter_app.backup import newest_good_backup

    good = newest_good_backup(settings)
    return f'counter-app restore "{good}"' if good is not None else None


def collect(
    settings: Settings,
    *,
    probe_printers: bool = True,
    printer_probe: Sequence[str] | None = None,
    verify_files: bool = False,
) -> dict[str, Any]:
    """The whole report as a JSON-able dict; `printer_probe` as for `printers`."""
    report: dict[str, Any] = {
        "versions": versions(),
        "paths": paths(settings),
        "counter": {"counter_no": settings.counter_no, "code_scope": settings.code_scope},
        "database": database(settings),
        "code_marks": code_marks(settings),
        "backups": backups(settings),
        "files": attachments(settings, verify=verify_files),
        "calendar": calendar(settings),
        "fonts": fonts(),
        "printers": printers(printer_probe) if probe_printers else {"source": None, "printers": []},
        "sync": sync_health(settings),
        "lookup": {
            "base_url": settings.lookup_base_url,
            "placeholder": is_placeholder_lookup_url(settings.lookup_base_url),
        },
    }
    report["printers"]["chosen"] = chosen_printers(settings, report["printers"])
    db_info = report["database"]
    report["disk"] = disk(settings, int(db_info.get("size_bytes") or 0))
    if db_info.get("integrity") != "ok" and db_info.get("exists"):
        db_info["restore_command"] = restore_advice(settings)
    report["ok"] = problems(report) == []
    return report


def problems(report: dict[str, Any]) -> list[str]:
    """What is wrong, in Vietnamese, one line each (empty when all is well)."""
    found: list[str] = []
    db = report["database"]
    if db.get("integrity") != "ok":
        found.append(f"CSDL: {db.get('integrity')}")
        if db.get("exists"):
            command = db.get("restore_command")
            found.append(
                f"CSDL hỏng: phần mềm không ghi vào tệp này. Khôi phục bản sao lưu tốt mới nhất "
                f"(tệp hỏng được giữ lại): {command}"
                if command
                else "CSDL hỏng và không có bản sao lưu tốt: nhờ bộ phận kỹ thuật dựng lại dữ "
                "liệu từ máy chủ tỉnh."
            )
    elif not db.get("up_to_date", True):
        found.append(
            f"CSDL ở phiên bản lược đồ {db.get('revision')}, mới nhất là "
            f"{db.get('head_revision')}: sẽ được sao lưu rồi nâng cấp khi mở phần mềm "
            "hoặc chạy `counter-app init`."
        )
    marks = report.get("code_marks", {})
    if marks.get("message"):
        found.append(marks["message"])
    found += [f"Sổ mã hồ sơ không đọc được: {e}" for e in marks.get("errors", [])]
    for folder in report.get("disk", {}).get("low", []):
        free = next(
            (f["free_bytes"] for f in report["disk"]["folders"].values() if f["folder"] == folder),
            0,
        )
        found.append(
            f"Ổ đĩa sắp đầy: thư mục {folder} chỉ còn {free / 1_048_576:.0f} MB trống; hãy giải "
            "phóng dung lượng trước khi hết chỗ ghi hồ sơ và bản sao lưu."
        )
    files = report.get("files", {})
    found += [p["message"] for p in files.get("problems", [])]
    if files.get("problems"):
        found.append(
            "Tệp số hóa thiếu hoặc hỏng: khôi phục bản sao lưu (counter-app restore FILE lấy lại "
            "tệp từ bản sao lưu hoặc máy chủ tỉnh) hoặc đính kèm lại."
        )
    found += [f"Máy chủ tỉnh từ chối tệp — {r['message']}" for r in files.get("rejected", [])]
    if files.get("rejected"):
        found.append("Sửa nguyên nhân rồi chạy `counter-app sync --retry-rejected` để gửi lại.")
    for year in report.get("calendar", {}).get("estimated_years", []):
        found.append(
            f"Chưa có lịch nghỉ chính thức năm {year}: ngày hẹn rơi vào năm này tính theo ngày "
            "nghỉ Tết, 2/9 ước tính. Khi có thông báo của Chính phủ, nạp bằng "
            "`counter-app calendar load TỆP` (hoặc máy chủ tỉnh gửi xuống)."
        )
    sync = report.get("sync", {})
    if sync.get("token_elsewhere"):
        found.append(f"Không cấp được mã hồ sơ — {sync['token_elsewhere']}")
    found += [
        f"Máy chủ tỉnh từ chối hồ sơ — {d['message']} {d['advice']}"
        for d in sync.get("rejected_dossiers", [])
    ]
    if not report["fonts"]["ok"]:
        found.append("Thiếu phông chữ: " + ", ".join(report["fonts"]["missing"]))
    if not report["printers"].get("printers"):
        found.append("Không thấy máy in nào.")
    layouts = report["printers"].get("chosen", {}).get("layouts", {})
    for layout, c in layouts.items():
        if c["present"] is False and not c["fallback"]:
            found.append(
                f"Máy in đã chọn cho khổ {LAYOUT_LABELS[layout]} «{c['printer']}» không còn trong "
                "hệ thống (đã gỡ hoặc đổi tên): chọn lại máy in trong bản xem trước khi in, hoặc "
                f"`counter-app config set {c['key']} TÊN_MÁY_IN`."
            )
    if report.get("lookup", {}).get("placeholder"):
        found.append(
            f"Địa chỉ tra cứu in trên giấy tiếp nhận vẫn là địa chỉ mẫu "
            f"({report['lookup']['base_url']}): người dân quét mã sẽ không tra cứu được. "
            "Đặt địa chỉ thật: `counter-app config set lookup_base_url https://…/tra-cuu/`."
        )
    return found


def render_text(report: dict[str, Any]) -> str:
    """The report for a terminal, in Vietnamese."""
    v, p, db = report["versions"], report["paths"], report["database"]
    lines = [
        f"Phần mềm quầy {v['app']} — Python {v['python']}, SQLite {v['sqlite']}, {v['os']}",
        "Thư viện: "
        + ", ".join(f"{k} {v[k]}" for k in _PACKAGES if v.get(k))
        + (f", Qt {report['printers']['qt']}" if report["printers"].get("qt") else ""),
        "",
        "Đường dẫn:",
        *(f"  {k}: {val}" for k, val in p.items()),
        "",
        f"CSDL: {db['url']}",
        f"  phiên bản lược đồ: {db.get('revision')} (mới nhất {db['head_revision']})",
        f"  kiểm tra toàn vẹn: {db.get('integrity')}",
    ]
    if "dossiers" in db:
        lines.append(f"  số hồ sơ: {db['dossiers']}")
    if "pending_sync" in db:
        lines.append(f"  chưa đồng bộ: {db['pending_sync']} bản ghi")
    sync = report.get("sync", {})
    lines.append(
        f"Đồng bộ: máy chủ {sync.get('server_url') or 'chưa đặt'}; mã cài đặt máy này: "
        f"{sync.get('install_id') or 'không có'}"
    )
    b = report["backups"]
    for name, f in report.get("disk", {}).get("folders", {}).items():
        free = f["free_bytes"]
        shown = f"{free / 1_048_576:,.0f} MB" if free is not None else "không rõ"
        lines.append(f"Dung lượng trống ({name}, {f['folder']}): {shown}")
    lines += [
        f"Sao lưu: {b['count']} tệp trong {b['folder']}; giữ {b['keep_days']} ngày",
        f"  bản tự động gần nhất: {b['last_daily'] or 'chưa có'}",
        f"Tệp số hóa: {report['files']['checked']} tệp trong {report['files']['folder']}"
        + (" (đã kiểm tra mã băm)" if report["files"]["verified_hashes"] else " (so kích thước)"),
        f"Phông chữ: {', '.join(report['fonts']['found']) or 'không có'}",
        "Lịch nghỉ chính thức đã nạp: "
        + (
            ", ".join(str(y) for y in report.get("calendar", {}).get("official_years", []))
            or "chưa có"
        ),
        f"Địa chỉ tra cứu hồ sơ: {report['lookup']['base_url']}",
    ]
    pr = report["printers"]
    names = ", ".join(pr.get("printers", [])) or "không có"
    lines.append(f"Máy in ({pr.get('source') or 'không dò được'}): {names}")
    if pr.get("default"):
        lines.append(f"  mặc định: {pr['default']}")
    chosen = pr.get("chosen", {})
    for layout, c in chosen.get("layouts", {}).items():
        state = {None: "", True: " — có trong hệ thống", False: " — KHÔNG CÒN trong hệ thống"}
        name = f"«{c['printer']}»" if c["printer"] else "chưa chọn (dùng máy in mặc định)"
        lines.append(
            f"  khổ {LAYOUT_LABELS[layout]}: {name}"
            + (" (theo máy in khổ A4)" if c["fallback"] else "")
            + state[c["present"] if c["printer"] else None]
        )
    if chosen:
        lines.append(f"  giấy tiếp nhận in khổ: {LAYOUT_LABELS[chosen['receipt_layout']]}")
    issues = problems(report)
    lines += ["", "Kết luận: " + ("mọi thứ ổn." if not issues else "có vấn đề:")]
    lines += [f"  - {issue}" for issue in issues]
    return "\n".join(lines)

"""`backup`, `restore` and `doctor`: keeping a counter's data safe and finding out what is wrong."""

from __future__ import annotations

import json
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from counter_app.atomic import write_with
from counter_app.cli import EXIT_ERROR, EXIT_OK, CliError, Context, print_json


def register(sub: Any) -> None:
    b = sub.add_parser("backup", help="sao lưu CSDL ra tệp")
    b.add_argument("--out", type=Path, metavar="FILE", help="tệp đích (mặc định: thư mục sao lưu)")
    b.add_argument(
        "--verify",
        type=Path,
        metavar="FILE",
        help="kiểm tra một bản sao lưu: CSDL và mọi tệp số hóa (mã băm), không sao lưu",
    )
    b.add_argument("--json", action="store_true")
    b.set_defaults(handler=cmd_backup)

    r = sub.add_parser("restore", help="khôi phục CSDL từ tệp sao lưu")
    r.add_argument("file", type=Path, metavar="FILE")
    r.add_argument(
        "--force", action="store_true", help="khôi phục cả khi còn bản ghi chưa đồng bộ (sẽ mất)"
    )
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=cmd_restore)

    d = sub.add_parser("doctor", help="kiểm tra phiên bản, đường dẫn, CSDL, máy in, phông chữ")
    d.add_argument("--json", action="store_true")
    d.add_argument("--no-printers", action="store_true", help="không dò máy in")
    d.add_argument(
        "--verify-files",
        action="store_true",
        help="kiểm tra mã băm mọi tệp số hóa (chậm khi kho lớn; mặc định chỉ so kích thước)",
    )
    d.add_argument(
        "--zip",
        type=Path,
        metavar="FILE.zip",
        help="gói báo cáo và nhật ký (đã ẩn dữ liệu cá nhân) để gửi bộ phận kỹ thuật",
    )
    d.set_defaults(handler=cmd_doctor)


def _logging(ctx: Context) -> None:
    from counter_app.logs import setup_logging

    setup_logging(ctx.settings)


def cmd_backup(ctx: Context) -> int:
    from counter_app.backup import backup_with_files, pending_sync_count

    _logging(ctx)
    if ctx.args.verify is not None:
        if ctx.args.out is not None:
            raise CliError("--verify không dùng cùng --out.")
        return _verify(ctx, ctx.args.verify)
    services = ctx.services(migrate=False)
    out: Path | None = ctx.args.out
    target, files = backup_with_files(
        services.db,
        backup_dir=ctx.settings.paths.backup_dir,
        files_dir=ctx.settings.paths.files_dir,
        out=out,
        by=ctx.actor(),
    )
    size = target.stat().st_size
    data = {
        "file": str(target),
        "size_bytes": size,
        "pending_sync": pending_sync_count(services.db) if services.db.is_sqlite else None,
        "files": files.to_json() if files is not None else None,
    }
    if ctx.args.json:
        print_json(data)
    else:
        print(f"Đã sao lưu CSDL vào {target} ({size / 1_000_000:.1f} MB).")
        if files is not None:
            print(
                f"Tệp số hóa: {files.referenced} tệp trong {files.folder} (chép thêm "
                f"{files.copied} tệp, {files.bytes_copied / 1_000_000:.1f} MB)."
            )
    if files is not None and files.problems:
        for problem in files.problems:
            sys.stderr.write(problem.message + "\n")
        sys.stderr.write(
            f"Bản sao lưu thiếu {len(files.problems)} tệp số hóa (xem trên); chạy "
            "`counter-app doctor --verify-files`.\n"
        )
        return EXIT_ERROR
    return EXIT_OK


def _verify(ctx: Context, source: Path) -> int:
    from counter_app.backup import verify_backup

    check = verify_backup(source, ctx.settings.paths.backup_dir)
    if ctx.args.json:
        print_json(check.to_json())
    elif check.error:
        print(check.error)
    else:
        print(
            f"Bản sao lưu {source}: CSDL tốt (lược đồ {check.revision}); {check.files} tệp số "
            f"hóa trong {check.files_folder}."
        )
        for problem in check.problems:
            print(f"  - {problem.message}")
        print("Kết luận: " + ("dùng được để khôi phục." if check.ok else "có vấn đề (xem trên)."))
    return EXIT_OK if check.ok else EXIT_ERROR


def cmd_restore(ctx: Context) -> int:
    from counter_app.backup import restore_backup
    from counter_app.domain import Permission

    _logging(ctx)
    services = ctx.services(migrate=False)
    result = restore_backup(
        services, ctx.args.file, force=ctx.args.force, by=ctx.actor(Permission.MANAGE_BACKUPS)
    )
    data: dict[str, Any] = {
        "restored_from": str(result.source),
        "previous_database_saved_to": str(result.safety_backup) if result.safety_backup else None,
        "backup_revision": result.backup_revision,
        "revision": result.upgrade.to_revision,
        "damaged_database_kept_at": str(result.damaged_kept) if result.damaged_kept else None,
        "issued_after_backup": [
            {
                "code": d.code,
                "received_at": d.received_at,
                "applicant": d.applicant,
                "synced": d.synced,
            }
            for d in result.lost
        ],
        "sequences_raised": result.sequences_raised,
        "next_step": "counter-app sync --rebuild" if any(d.synced for d in result.lost) else None,
    }
    if result.lost_unreadable:
        data["issued_after_backup_error"] = result.lost_unreadable
    files = result.files
    data["files"] = files.to_json() if files is not None else None
    rebuilt = _bring_back(ctx, services, result, data)
    if ctx.args.json:
        print_json(data)
    else:
        print(f"Đã khôi phục CSDL từ {result.source}.")
        if result.safety_backup:
            print(f"CSDL trước khi khôi phục được giữ tại {result.safety_backup}.")
        if result.damaged_kept:
            print(f"Tệp CSDL bị hỏng được giữ nguyên tại {result.damaged_kept}.")
        if result.lost:
            print(
                f"{len(result.lost)} hồ sơ được cấp mã sau bản sao lưu không có trong CSDL đã "
                "khôi phục (các mã này sẽ không bao giờ được cấp lại):"
            )
            for d in result.lost:
                where = "đã lên máy chủ tỉnh" if d.synced else "CHƯA đồng bộ"
                at = datetime.fromisoformat(d.received_at).strftime("%H:%M %d/%m/%Y")
                print(f"  {d.code}  {at}  {d.applicant}  ({where})")
            synced = sum(1 for d in result.lost if d.synced)
            if rebuilt:
                print(f"  Đã lấy lại từ máy chủ tỉnh {rebuilt} hồ sơ trong số này.")
            elif data.get("rebuild_error"):
                print(f"  Chưa lấy lại được từ máy chủ tỉnh: {data['rebuild_error']}")
            if synced > rebuilt:
                print(
                    f"  {synced} hồ sơ đã lên máy chủ tỉnh: chạy `counter-app sync --rebuild` "
                    "để lấy lại về máy này."
                )
            if any(not d.synced for d in result.lost):
                kept = result.safety_backup or result.damaged_kept
                print(f"  Hồ sơ chưa đồng bộ vẫn còn trong {kept}.")
        if result.lost_unreadable:
            print(result.lost_unreadable)
        if files is not None and files.checked:
            print(
                f"Tệp số hóa: kiểm tra {files.checked} tệp; lấy lại {files.from_backup} từ bản "
                f"sao lưu, {files.from_server} từ máy chủ tỉnh."
            )
            if files.server_error:
                print(f"  Chưa tải được từ máy chủ tỉnh: {files.server_error}")
            for problem in files.problems:
                print(f"  - {problem.message}")
        if result.upgrade.from_revision != result.upgrade.to_revision:
            print(
                f"Đã nâng cấp lược đồ từ {result.upgrade.from_revision} "
                f"lên {result.upgrade.to_revision}."
            )
    return EXIT_OK


def _bring_back(ctx: Context, services: Any, result: Any, data: dict[str, Any]) -> int:
    """Dossiers issued after the backup that the server has: download them again (sync
    --rebuild) when a server is configured; returns how many are back."""
    synced = [d.code for d in result.lost if d.synced]
    sync = ctx.settings.sync
    if not synced or not (sync.server_url and sync.token) or not ctx.settings.counter_chosen:
        return 0
    from counter_app.sync.engine import SyncEngine
    from counter_app.sync.rebuild import RebuildError

    engine = SyncEngine.for_services(services)
    try:
        data["rebuilt"] = engine.rebuild(services.intake.unit_identifier()).to_json()
    except RebuildError as exc:
        data["rebuild_error"] = str(exc)
        return 0
    finally:
        engine.close()
    actor = ctx.actor()
    back = sum(1 for code in synced if services.dossiers.lookup(code, by=actor) is not None)
    data["brought_back"] = back
    data["next_step"] = None if back == len(synced) else "counter-app sync --rebuild"
    return back


def cmd_doctor(ctx: Context) -> int:
    from counter_app.doctor import collect, render_text

    probe = ctx.frontend.printer_probe if ctx.frontend is not None else None
    report = collect(
        ctx.settings,
        probe_printers=not ctx.args.no_printers,
        printer_probe=probe() if probe is not None else None,
        verify_files=ctx.args.verify_files,
    )
    if ctx.args.zip:
        _write_zip(ctx, ctx.args.zip, report)
    if ctx.args.json:
        print_json(report)
    else:
        print(render_text(report))
        if ctx.args.zip:
            print(f"\nĐã gói báo cáo và nhật ký vào {ctx.args.zip}.")
    db = report["database"]
    return EXIT_OK if db.get("integrity") == "ok" or not db.get("exists", True) else EXIT_ERROR


def _write_zip(ctx: Context, target: Path, report: dict[str, Any]) -> None:
    from counter_app.logs import log_files

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(
                "doctor.json", json.dumps(report, ensure_ascii=False, indent=2, default=str)
            )
            for path in log_files(ctx.settings):
                zf.write(path, f"logs/{path.name}")

    write_with(target, write)

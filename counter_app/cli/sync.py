"""`sync`: send waiting records to the provincial server and read its changes."""

from __future__ import annotations

import sys
from typing import Any

from counter_app.cli import EXIT_ERROR, EXIT_OK, CliError, Context, print_json


def register(sub: Any) -> None:
    p = sub.add_parser("sync", help="đồng bộ với máy chủ tỉnh (gửi hồ sơ, nhận thay đổi)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="một lượt gửi và nhận (mặc định)")
    mode.add_argument(
        "--until-done", action="store_true", help="lặp lại (có giãn cách) đến khi hết hàng chờ"
    )
    mode.add_argument(
        "--rebuild",
        action="store_true",
        help="tải lại từ máy chủ mọi hồ sơ của đơn vị (máy mới hoặc vừa khôi phục)",
    )
    p.add_argument(
        "--retry-rejected",
        action="store_true",
        help="gửi lại bản ghi và tệp bị máy chủ từ chối (sau khi đã sửa nguyên nhân)",
    )
    p.add_argument("--max-seconds", type=float, metavar="S", help="giới hạn thời gian --until-done")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_sync)


_RECORD_NAMES = {
    "dossier": "hồ sơ",
    "event": "sự kiện của hồ sơ",
    "slip": "phiếu của hồ sơ",
    "rating": "đánh giá của hồ sơ",
}


def cmd_sync(ctx: Context) -> int:
    from counter_app.sync.engine import SyncEngine
    from counter_app.sync.files import rejected_files
    from counter_app.sync.status import rejected_dossiers, rejected_records

    if ctx.args.max_seconds is not None and not ctx.args.until_done:
        raise CliError("--max-seconds chỉ dùng cùng --until-done.")
    services = ctx.services()
    engine = SyncEngine.for_services(services)
    if ctx.args.rebuild:
        return _rebuild(ctx, services, engine)
    retried = 0
    try:
        if ctx.args.retry_rejected:
            retried = engine.requeue(("rejected",))
        if ctx.args.until_done:
            report = engine.run_until_done(ctx.args.max_seconds)
        else:
            report = engine.run_once(manual=True)
        counts = engine.counts()
        files_set_aside = rejected_files(services.db)
        records_refused = rejected_records(services)
        refused = rejected_dossiers(services.db)
    finally:
        engine.close()
    # "rejected": records and files the server refused for good (not retried until asked).
    rejected = counts.rejected + len({f.sha256 for f in files_set_aside})
    data: dict[str, Any] = {
        "pushed": report.pushed,
        "pulled": report.pulled,
        "pending": counts.waiting,
        "rejected": rejected,
        "conflicts": counts.conflict,
        "error": report.error,
        "files_uploaded": report.files_uploaded,
        "rejected_files": [f.to_json() for f in files_set_aside],
        # Which records, and the server's reason for each (the count is in "rejected").
        "rejected_records": records_refused,
        # An alarm, not a count: each names the code and the (masked) citizen to call back.
        "rejected_dossiers": [d.to_json() for d in refused],
    }
    if ctx.args.retry_rejected:
        data["retried"] = retried
    for warning in report.warnings:
        sys.stderr.write(warning + "\n")
    if ctx.args.json:
        print_json(data)
    else:
        if ctx.args.retry_rejected:
            print(f"Đã đưa {retried} bản ghi và tệp bị từ chối vào hàng chờ gửi lại.")
        print(
            f"Đã gửi {report.pushed} bản ghi, {report.files_uploaded} tệp số hóa, nhận "
            f"{report.pulled} thay đổi; còn chờ {counts.waiting}, bị từ chối {rejected}, "
            f"xung đột {counts.conflict}."
        )
        for d in refused:
            print(f"  CẢNH BÁO — {d.message} {d.advice}")
        for r in records_refused:
            if r["entity"] == "dossier":
                continue  # said above, as an alarm naming the citizen
            what = _RECORD_NAMES.get(r["entity"], r["entity"])
            where = f"{what} {r['code']}" if r["code"] else what
            print(f"  Bản ghi bị từ chối — {where}: {r['message']}")
        for f in files_set_aside:
            print(f"  Tệp bị từ chối — {f.message}")
        if files_set_aside or records_refused:
            print("  Sửa nguyên nhân rồi chạy `counter-app sync --retry-rejected` để gửi lại.")
    if not report.configured:
        raise CliError(report.error)
    if report.error:
        sys.stderr.write(f"Lỗi: {report.error}\n")
        return EXIT_ERROR
    if ctx.args.until_done and counts.waiting:
        return EXIT_ERROR
    return EXIT_OK


def _rebuild(ctx: Context, services: Any, engine: Any) -> int:
    from counter_app.issuing import CounterNotChosenError
    from counter_app.sync.rebuild import RebuildError

    if not services.settings.counter_chosen:
        engine.close()
        raise CounterNotChosenError()
    try:
        report = engine.rebuild(services.intake.unit_identifier())
    except RebuildError as exc:
        raise CliError(str(exc)) from exc
    finally:
        engine.close()
    if ctx.args.json:
        print_json(report.to_json())
    else:
        days = ", ".join(f"{d}: {n}" for d, n in report.sequence.items()) or "không có"
        print(
            f"Đã khôi phục từ máy chủ cho đơn vị {report.unit}: {report.dossiers} hồ sơ, "
            f"{report.events} sự kiện, {report.slips} phiếu, {report.ratings} đánh giá; "
            f"nhận {report.pulled} thay đổi. Số thứ tự cuối theo ngày: {days}."
        )
    return EXIT_OK

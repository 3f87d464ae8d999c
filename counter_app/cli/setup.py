"""`init` and `config`: create the database, load the catalog, change local settings."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

from counter_app.cli import EXIT_INVALID, EXIT_OK, CliError, Context, print_json
from counter_app.settings import (
    HOW_TO_SET_COUNTER,
    KNOWN_KEYS,
    MAX_COUNTER_NO,
    is_placeholder_lookup_url,
    normalize_lookup_base_url,
    set_value,
)


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="tạo hoặc nâng cấp CSDL và nạp danh mục thủ tục")
    p.add_argument("--no-catalog", action="store_true", help="không nạp danh mục có sẵn")
    p.add_argument(
        "--counter",
        type=int,
        metavar="N",
        help="số quầy của máy này (1–99); hỏi khi chạy ở cửa sổ dòng lệnh mà chưa đặt",
    )
    p.add_argument(
        "--lookup-base-url",
        metavar="URL",
        help="địa chỉ trang tra cứu hồ sơ in trên giấy tiếp nhận (hỏi nếu chạy trên terminal)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_init)

    c = sub.add_parser("config", help="xem hoặc đổi thiết lập của máy quầy")
    csub = c.add_subparsers(dest="config_command", required=True)
    s = csub.add_parser("set", help="đặt một thiết lập: KEY VALUE")
    s.add_argument("key", choices=KNOWN_KEYS, metavar="KEY")
    s.add_argument("value")
    s.set_defaults(handler=cmd_config_set)
    g = csub.add_parser("show", help="in các thiết lập đang dùng")
    g.add_argument("--json", action="store_true")
    g.set_defaults(handler=cmd_config_show)


def _choose_counter(ctx: Context) -> None:
    """`--counter N`, else a question when a person is at a terminal; never waits otherwise."""
    chosen: int | None = ctx.args.counter
    if chosen is None and not ctx.settings.counter_chosen and sys.stdin.isatty():
        while chosen is None:
            try:
                answer = input(f"Số quầy của máy này (1–{MAX_COUNTER_NO}): ").strip()
            except EOFError:
                return
            if answer.isdigit() and 1 <= int(answer) <= MAX_COUNTER_NO:
                chosen = int(answer)
            else:
                print(f"Hãy nhập một số từ 1 đến {MAX_COUNTER_NO}.")
    if chosen is None:
        return
    try:
        set_value(ctx.settings, "counter_no", str(chosen))
    except ValueError as exc:
        raise CliError(str(exc), 2) from exc
    ctx.settings = replace(ctx.settings, counter_no=chosen)


def _ask_lookup_url(ctx: Context) -> str | None:
    """The lookup address from --lookup-base-url, or asked on a terminal while it is the sample.

    Receipts print it under their QR: with the shipped sample citizens could look nothing up.
    Not asked when scripted (no terminal, or --json): `doctor` flags the sample instead.
    """
    if ctx.args.lookup_base_url is not None:
        return str(ctx.args.lookup_base_url)
    if (
        ctx.args.json
        or not sys.stdin.isatty()
        or not is_placeholder_lookup_url(ctx.settings.lookup_base_url)
    ):
        return None
    print(
        "Địa chỉ trang tra cứu hồ sơ của tỉnh (in trên giấy tiếp nhận, mã QR dẫn tới đó),\n"
        "ví dụ https://dichvucong.quangninh.gov.vn/tra-cuu/ — bỏ trống để đặt sau:"
    )
    while True:
        try:
            answer = input("> ").strip()
        except EOFError:
            return None
        if not answer:
            print("Chưa đặt: `counter-app doctor` sẽ nhắc cho đến khi đặt địa chỉ thật.")
            return None
        try:
            return normalize_lookup_base_url(answer)
        except ValueError as exc:
            print(exc)


def cmd_init(ctx: Context) -> int:
    _choose_counter(ctx)
    lookup = _ask_lookup_url(ctx)
    if lookup is not None:
        try:
            set_value(ctx.settings, "lookup_base_url", lookup)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_INVALID) from exc
        ctx.settings = replace(ctx.settings, lookup_base_url=normalize_lookup_base_url(lookup))
    services = ctx.services(migrate=False)
    result = services.init(load_catalog=not ctx.args.no_catalog)
    if services.code_rollback is not None:  # init again on a folder put back: say so too
        print(services.code_rollback.message(), file=sys.stderr)
    data = {
        "database": services.db.display_url,
        "revision": result.upgrade.to_revision,
        "previous_revision": result.upgrade.from_revision,
        "backup": str(result.upgrade.backup) if result.upgrade.backup else None,
        "procedures_added": result.procedures_added,
        "procedures_updated": result.procedures_updated,
        "procedures": len(services.catalog.all()),
        "counter_no": ctx.settings.counter_no if ctx.settings.counter_chosen else None,
        "calendar_days_added": result.calendar_days_added,
        "lookup_base_url": ctx.settings.lookup_base_url,
    }
    if ctx.args.json:
        print_json(data)
    else:
        print(f"CSDL: {data['database']} (phiên bản lược đồ {data['revision']})")
        if data["backup"]:
            print(f"Đã sao lưu CSDL cũ: {data['backup']}")
        print(
            f"Danh mục: {data['procedures']} thủ tục "
            f"(thêm {result.procedures_added}, cập nhật {result.procedures_updated})."
        )
        print(f"Lịch nghỉ lễ, làm bù chính thức: thêm {result.calendar_days_added} ngày.")
        print(f"Địa chỉ tra cứu hồ sơ: {data['lookup_base_url']}")
        if ctx.settings.counter_chosen:
            print(f"Máy này là quầy số {ctx.settings.counter_no}.")
    if not ctx.settings.counter_chosen:
        sys.stderr.write(f"Chú ý: chưa đặt số quầy nên chưa tiếp nhận được. {HOW_TO_SET_COUNTER}\n")
    return EXIT_OK


def cmd_config_set(ctx: Context) -> int:
    try:
        path = set_value(ctx.settings, ctx.args.key, ctx.args.value)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print(f"Đã lưu {ctx.args.key} vào {path}")
    return EXIT_OK


def cmd_config_show(ctx: Context) -> int:
    s = ctx.settings
    data: dict[str, Any] = {
        "config_file": str(s.paths.config_file),
        "data_dir": str(s.paths.data_dir),
        "log_dir": str(s.paths.log_dir),
        "backup_dir": str(s.paths.backup_dir),
        "database": s.database_url,
        "counter_no": s.counter_no if s.counter_chosen else None,
        "code_scope": s.code_scope,
        "lookup_base_url": s.lookup_base_url,
        "sync.server_url": s.sync.server_url,
        "sync.token": "(đã đặt)" if s.sync.token else "",
        "queue.server_url": s.queue.server_url,
        "queue.token": "(đã đặt)" if s.queue.token else "",
    }
    if ctx.args.json:
        print_json(data)
    else:
        for key, value in data.items():
            print(f"{key} = {value}")
    return EXIT_OK

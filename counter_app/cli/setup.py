"""`init` and `config`: create the database, load the catalog, change local settings."""

from __future__ import annotations

from typing import Any

from counter_app.cli import EXIT_OK, CliError, Context, print_json
from counter_app.settings import KNOWN_KEYS, set_value


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="tạo hoặc nâng cấp CSDL và nạp danh mục thủ tục")
    p.add_argument("--no-catalog", action="store_true", help="không nạp danh mục có sẵn")
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


def cmd_init(ctx: Context) -> int:
    services = ctx.services(migrate=False)
    result = services.init(load_catalog=not ctx.args.no_catalog)
    data = {
        "database": services.db.display_url,
        "revision": result.upgrade.to_revision,
        "previous_revision": result.upgrade.from_revision,
        "backup": str(result.upgrade.backup) if result.upgrade.backup else None,
        "procedures_added": result.procedures_added,
        "procedures_updated": result.procedures_updated,
        "procedures": len(services.catalog.all()),
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
        "counter_no": s.counter_no,
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

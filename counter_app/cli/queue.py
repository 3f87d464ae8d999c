"""`queue`: run the centre's queue service, issue device tokens, and act as a counter.

The ticket kiosk and the board (`queue kiosk`, `queue board`) are windows: the front end adds them
to this group (`register` returns it) with the client options of `add_client_options`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from counter_app.cli import EXIT_OK, CliError, Context, print_json
from counter_app.cli._values import parse_day

ENV_QUEUE_DB = "COUNTER_APP_QUEUE_DB"
DEFAULT_PORT = 8766


def add_client_options(parser: Any) -> None:
    """--server and --token: how a client of the queue service (counter, kiosk, board) finds it."""
    parser.add_argument("--server", metavar="URL", help="địa chỉ dịch vụ (COUNTER_APP_QUEUE_URL)")
    parser.add_argument("--token", metavar="T", help="mã truy cập (COUNTER_APP_QUEUE_TOKEN)")


def register(sub: Any) -> dict[str, Any]:
    p = sub.add_parser("queue", help="xếp hàng: lấy số, gọi số, bảng hiển thị, thời gian chờ")
    qsub = p.add_subparsers(dest="queue_command", required=True)

    def service(name: str, help_text: str) -> Any:
        parser = qsub.add_parser(name, help=help_text)
        parser.add_argument(
            "--db", dest="queue_db", metavar="URL", help="CSDL của dịch vụ xếp hàng"
        )
        return parser

    def client(name: str, help_text: str) -> Any:
        parser = qsub.add_parser(name, help=help_text)
        add_client_options(parser)
        return parser

    serve = service("serve", "chạy dịch vụ xếp hàng của trung tâm (HTTP)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--threads", type=int, default=32, help="luồng phục vụ (mặc định 32)")
    serve.set_defaults(handler=cmd_serve)

    token = qsub.add_parser("token", help="mã truy cập của ki-ốt, quầy, bảng hiển thị")
    tsub = token.add_subparsers(dest="token_command", required=True)
    create = tsub.add_parser("create", help="cấp mã mới (in ở dòng cuối)")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=["kiosk", "counter", "board"])
    create.add_argument("--db", dest="queue_db", metavar="URL")
    create.set_defaults(handler=cmd_token_create)

    area = qsub.add_parser("area", help="khu vực phục vụ (tiền tố số, quầy, lĩnh vực)")
    asub = area.add_subparsers(dest="area_command", required=True)
    aset = asub.add_parser("set", help="thêm hoặc sửa một khu vực")
    aset.add_argument("area")
    aset.add_argument("--name", required=True)
    aset.add_argument("--prefix", required=True)
    aset.add_argument("--counters", required=True, help="các số quầy, ví dụ 1,2,3")
    aset.add_argument("--sectors", default="", help="các lĩnh vực của danh mục, cách nhau dấu ;")
    aset.add_argument("--db", dest="queue_db", metavar="URL")
    aset.set_defaults(handler=cmd_area_set)
    arm = asub.add_parser("remove", help="xóa một khu vực không còn số chờ")
    arm.add_argument("area")
    arm.add_argument("--db", dest="queue_db", metavar="URL")
    arm.set_defaults(handler=cmd_area_remove)

    config = qsub.add_parser("config", help="thiết lập chung của hàng đợi")
    csub = config.add_subparsers(dest="config_command", required=True)
    cset = csub.add_parser("set", help="centre_name | priority_categories | public_url")
    cset.add_argument("key")
    cset.add_argument("value")
    cset.add_argument("--db", dest="queue_db", metavar="URL")
    cset.set_defaults(handler=cmd_config_set)

    areas = client("areas", "các khu vực phục vụ")
    areas.add_argument("--json", action="store_true")
    areas.set_defaults(handler=cmd_areas)

    ticket = client("ticket", "lấy một số thứ tự")
    ticket.add_argument("--area", required=True)
    ticket.add_argument("--priority", action="store_true", help="số ưu tiên")
    ticket.add_argument("--category", default="", help="đối tượng ưu tiên (elderly, …)")
    ticket.add_argument("--json", action="store_true")
    ticket.set_defaults(handler=cmd_ticket)

    call = client("call", "gọi số tiếp theo cho một quầy")
    call.add_argument("--counter", type=int, required=True)
    call.add_argument("--json", action="store_true")
    call.set_defaults(handler=cmd_call)

    for name, help_text in (
        ("done", "kết thúc phục vụ một số"),
        ("skip", "bỏ qua số vắng mặt"),
        ("recall", "gọi lại một số"),
    ):
        c = client(name, help_text)
        c.add_argument("number")
        c.add_argument("--json", action="store_true")
        c.set_defaults(handler=cmd_ticket_action, action=name)

    transfer = client("transfer", "chuyển một số sang khu vực khác")
    transfer.add_argument("number")
    transfer.add_argument("--area", required=True)
    transfer.add_argument("--json", action="store_true")
    transfer.set_defaults(handler=cmd_transfer)

    status = client("status", "số đang phục vụ ở các quầy và danh sách chờ")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_status)

    stats = client("stats", "thời gian chờ và phục vụ")
    stats.add_argument("--from", dest="day_from", required=True, metavar="DATE")
    stats.add_argument("--to", dest="day_to", metavar="DATE")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=cmd_stats)

    return {"queue": qsub}


# -- service side ------------------------------------------------------------------------------


def _store(ctx: Context) -> Any:
    from counter_app.queue.store import QueueStore

    url = ctx.args.queue_db or os.environ.get(ENV_QUEUE_DB)
    if not url:
        ctx.settings.paths.data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{ctx.settings.paths.data_dir / 'queue.sqlite3'}"
    return QueueStore.open(url)


@contextmanager
def _opened(ctx: Context) -> Iterator[Any]:
    """The queue's store for one command, closed whatever happens."""
    store = _store(ctx)
    try:
        yield store
    finally:
        store.close()


def cmd_serve(ctx: Context) -> int:
    from counter_app.queue.app import QueueApp
    from counter_app.server.runner import configure_logging, make_server, serve_in_foreground

    configure_logging()
    store = _store(ctx)
    app = QueueApp(store, threads=ctx.args.threads)
    server = make_server(app, host=ctx.args.host, port=ctx.args.port, threads=ctx.args.threads)
    serve_in_foreground(server, "Dịch vụ xếp hàng", ctx.args.host, store.close)
    return EXIT_OK


def cmd_token_create(ctx: Context) -> int:
    with _opened(ctx) as store:
        token = store.create_token(ctx.args.name, ctx.args.role)
    print(f"Mã truy cập mới của «{ctx.args.name}» ({ctx.args.role}), chỉ hiện một lần:")
    print(token)
    return EXIT_OK


def cmd_area_set(ctx: Context) -> int:
    from counter_app.queue.domain import ServiceArea

    try:
        counters = tuple(int(c) for c in ctx.args.counters.split(",") if c.strip())
    except ValueError as exc:
        raise CliError("--counters: các số quầy cách nhau dấu phẩy, ví dụ 1,2,3.") from exc
    sectors = tuple(s.strip() for s in ctx.args.sectors.split(";") if s.strip())
    area = ServiceArea(ctx.args.area, ctx.args.name, ctx.args.prefix.upper(), counters, sectors)
    with _opened(ctx) as store:
        store.set_area(area)
    print(f"Đã lưu khu vực {area.area} ({area.name}, số {area.prefix}001…).")
    return EXIT_OK


def cmd_area_remove(ctx: Context) -> int:
    with _opened(ctx) as store:
        store.remove_area(ctx.args.area)
    print(f"Đã xóa khu vực {ctx.args.area}.")
    return EXIT_OK


def cmd_config_set(ctx: Context) -> int:
    with _opened(ctx) as store:
        store.set_config(ctx.args.key, ctx.args.value)
    print(f"Đã lưu {ctx.args.key}.")
    return EXIT_OK


# -- client side -------------------------------------------------------------------------------


def queue_client(ctx: Context) -> Any:
    """The client for --server/--token, else the environment, else settings.queue.*."""
    from counter_app.queue.client import QueueClient

    url = getattr(ctx.args, "server", None) or ctx.settings.queue.server_url
    token = getattr(ctx.args, "token", None) or ctx.settings.queue.token
    if not token:
        raise CliError("Thiếu mã truy cập (--token, COUNTER_APP_QUEUE_TOKEN hoặc queue.token).")
    return QueueClient(url, token)


def cmd_areas(ctx: Context) -> int:
    areas = queue_client(ctx).areas()
    if ctx.args.json:
        print_json(areas)
    else:
        for a in areas:
            counters = ", ".join(str(c) for c in a["counters"])
            print(f"{a['area']}  {a['prefix']}001…  {a['name']}  (quầy {counters})")
    return EXIT_OK


def cmd_ticket(ctx: Context) -> int:
    issued = queue_client(ctx).issue(
        ctx.args.area, priority=ctx.args.priority, category=ctx.args.category
    )
    if ctx.args.json:
        print_json({k: issued[k] for k in ("number", "area", "issued_at", "waiting_before")})
    else:
        print(f"Số thứ tự {issued['number']} — còn {issued['waiting_before']} người chờ trước.")
    return EXIT_OK


def cmd_call(ctx: Context) -> int:
    ticket = queue_client(ctx).call_next(ctx.args.counter)
    if ctx.args.json:
        print_json(ticket if ticket else {"number": None})
    elif ticket is None:
        print("Không còn ai chờ ở các khu vực của quầy này.")
    else:
        print(f"Mời số {ticket['number']} đến quầy số {ctx.args.counter}.")
    return EXIT_OK


def cmd_ticket_action(ctx: Context) -> int:
    client = queue_client(ctx)
    ticket = getattr(client, ctx.args.action)(ctx.args.number)
    if ctx.args.json:
        print_json(ticket)
    else:
        print(f"Số {ticket['number']}: {ticket['state']}.")
    return EXIT_OK


def cmd_transfer(ctx: Context) -> int:
    ticket = queue_client(ctx).transfer(ctx.args.number, ctx.args.area)
    if ctx.args.json:
        print_json(ticket)
    else:
        print(f"Đã chuyển số {ticket['number']} sang khu vực {ticket['area']}.")
    return EXIT_OK


def cmd_status(ctx: Context) -> int:
    status = queue_client(ctx).status()
    if ctx.args.json:
        print_json({"counters": status["counters"], "waiting": status["waiting"]})
    else:
        for c in status["counters"]:
            print(f"Quầy {c['counter']}: {c['current'] or '—'}")
        print(f"Đang chờ: {len(status['waiting'])}")
    return EXIT_OK


def cmd_stats(ctx: Context) -> int:
    start = parse_day(ctx.args.day_from)
    end = parse_day(ctx.args.day_to) if ctx.args.day_to else start
    stats = queue_client(ctx).stats(start, end)
    if ctx.args.json:
        print_json(stats)
    else:
        from counter_app.queue.stats import summary_lines

        days = f"{start:%d/%m/%Y}" + (f"–{end:%d/%m/%Y}" if end != start else "")
        print(f"Hàng đợi ngày {days} (thời gian tính theo phút:giây)")
        for _, label, text in summary_lines(stats):
            print(f"  {label}: {text}")
    return EXIT_OK

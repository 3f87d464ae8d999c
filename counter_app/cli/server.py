"""`server`: run and administer the reference provincial server."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from counter_app.cli import EXIT_ERROR, EXIT_OK, CliError, Context, print_json
from counter_app.cli._values import parse_day

ENV_SERVER_DB = "COUNTER_APP_SERVER_DB"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "server", help="máy chủ tỉnh tham chiếu (chạy, cấp mã truy cập, xử lý hồ sơ)"
    )
    ssub = p.add_subparsers(dest="server_command", required=True)

    def add(name: str, help_text: str) -> Any:
        parser = ssub.add_parser(name, help=help_text)
        parser.add_argument("--db", dest="server_db", metavar="URL", help="CSDL của máy chủ")
        return parser

    run = add("run", "chạy máy chủ HTTP")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8765)
    run.add_argument("--threads", type=int, default=8)
    run.add_argument(
        "--lookup-rate", type=float, default=0.5, help="tra cứu công khai mỗi giây mỗi địa chỉ"
    )
    run.add_argument("--lookup-burst", type=int, default=10, help="số tra cứu liền nhau tối đa")
    run.add_argument(
        "--daily-quota", type=int, default=50_000, help="số bản ghi tối đa mỗi quầy mỗi ngày"
    )
    run.add_argument(
        "--trusted-proxy",
        metavar="ADDR",
        help="địa chỉ reverse proxy (nginx) được tin cho X-Forwarded-For",
    )
    run.add_argument(
        "--files", metavar="DIR", type=Path, help="thư mục tệp số hóa (mặc định: cạnh CSDL)"
    )
    run.add_argument(
        "--max-file-mb",
        type=int,
        default=20,
        metavar="MB",
        help="dung lượng tối đa một tệp số hóa; các quầy biết giới hạn này qua /api/v1/counter",
    )
    run.set_defaults(handler=cmd_run)

    online = add("submit-online", "nộp một hồ sơ trực tuyến (như cổng dịch vụ công gửi đến)")
    online.add_argument("file", type=Path, metavar="FILE.json")
    online.add_argument("--files", metavar="DIR", type=Path, help="thư mục tệp số hóa")
    online.add_argument("--json", action="store_true")
    online.set_defaults(handler=cmd_submit_online)

    token = ssub.add_parser("token", help="mã truy cập của quầy")
    tsub = token.add_subparsers(dest="token_command", required=True)
    create = tsub.add_parser("create", help="cấp mã truy cập mới cho một quầy (in ở dòng cuối)")
    create.add_argument("name")
    create.add_argument("--unit", help="đơn vị tiếp nhận của quầy, vd. 000.00.00.H49.Q03")
    create.add_argument("--centre", help="trung tâm, vd. 000.00.00.H49")
    create.add_argument(
        "--role",
        choices=["counter", "back-office", "portal"],
        default="counter",
        help="vai trò (portal: cổng dịch vụ công nộp hồ sơ trực tuyến)",
    )
    create.add_argument("--db", dest="server_db", metavar="URL")
    create.set_defaults(handler=cmd_token_create)
    revoke = tsub.add_parser("revoke", help="thu hồi mã truy cập của một quầy")
    revoke.add_argument("name")
    revoke.add_argument("--db", dest="server_db", metavar="URL")
    revoke.set_defaults(handler=cmd_token_revoke)
    move = tsub.add_parser(
        "move", help="chuyển mã truy cập của một quầy sang máy cài đặt khác (máy thay thế)"
    )
    move.add_argument("name")
    move.add_argument(
        "--to",
        required=True,
        metavar="MÃ_CÀI_ĐẶT",
        help="mã cài đặt của máy mới (máy quầy hiển thị khi bị từ chối; `counter-app doctor`)",
    )
    move.add_argument("--db", dest="server_db", metavar="URL")
    move.set_defaults(handler=cmd_token_move)

    tokens = add("tokens", "danh sách mã truy cập (không in mã)")
    tokens.add_argument("--json", action="store_true")
    tokens.set_defaults(handler=cmd_tokens)

    adv = add("advance", "chuyển trạng thái hồ sơ (bộ phận xử lý)")
    adv.add_argument("code")
    adv.add_argument("--status", type=int, required=True, help="mã trạng thái 1–10")
    adv.add_argument("--note", default="")
    adv.set_defaults(handler=cmd_advance)

    backup = add("backup", "sao lưu CSDL máy chủ và thư mục tệp số hóa vào một thư mục")
    backup.add_argument("--out", type=Path, required=True, metavar="DIR")
    backup.add_argument("--files", metavar="DIR", type=Path, help="thư mục tệp số hóa")
    backup.add_argument("--json", action="store_true")
    backup.set_defaults(handler=cmd_backup)

    stats = add("stats", "số bản ghi đã lưu")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=cmd_stats)

    catalog = ssub.add_parser("catalog", help="danh mục thủ tục gửi cho các quầy")
    csub = catalog.add_subparsers(dest="catalog_command", required=True)
    load = csub.add_parser("load", help="công bố danh mục từ tệp JSON")
    load.add_argument("file", type=Path)
    load.add_argument("--db", dest="server_db", metavar="URL")
    load.set_defaults(handler=cmd_catalog_load)

    calendar = ssub.add_parser("calendar", help="ngày nghỉ, ngày làm bù gửi cho các quầy")
    lsub = calendar.add_subparsers(dest="calendar_command", required=True)
    cset = lsub.add_parser("set", help="DATE off|work|none")
    cset.add_argument("day", metavar="DATE")
    cset.add_argument("kind", choices=["off", "work", "none"])
    cset.add_argument("--note", default="")
    cset.add_argument("--reference", default="", help="văn bản công bố, ví dụ 12729/VPCP-KGVX")
    cset.add_argument("--db", dest="server_db", metavar="URL")
    cset.set_defaults(handler=cmd_calendar_set)
    cload = lsub.add_parser("load", help="công bố cả năm từ tệp lịch (resources/calendar/*.json)")
    cload.add_argument("file", type=Path)
    cload.add_argument("--db", dest="server_db", metavar="URL")
    cload.set_defaults(handler=cmd_calendar_load)


def _store(ctx: Context, **kwargs: Any) -> Any:
    from counter_app.server.store import ServerStore

    url = ctx.args.server_db or os.environ.get(ENV_SERVER_DB)
    if not url:
        ctx.settings.paths.data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{ctx.settings.paths.data_dir / 'server.sqlite3'}"
    return ServerStore.open(url, **kwargs)


@contextmanager
def _opened(ctx: Context, **kwargs: Any) -> Iterator[Any]:
    """The server's store for one command; its refusals become the command's Vietnamese error."""
    from counter_app.server.online import OnlineError
    from counter_app.server.store import ServerError

    store = _store(ctx, **kwargs)
    try:
        yield store
    except (ServerError, OnlineError) as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.close()


def _actor(ctx: Context) -> str:
    return ctx.actor().username


def _files(ctx: Context) -> Any:
    from counter_app.server.files import ServerFiles

    limit = getattr(ctx.args, "max_file_mb", None)
    if limit is not None and not 1 <= limit <= 1024:
        raise CliError("--max-file-mb phải từ 1 đến 1024.")
    return ServerFiles(
        ctx.args.files or ctx.settings.paths.data_dir / "server-files",
        max_file_bytes=(limit or 20) * 1024 * 1024,
    )


def cmd_submit_online(ctx: Context) -> int:
    """`server submit-online FILE.json`: papers name files relative to the JSON file."""
    from counter_app.server import online

    path: Path = ctx.args.file
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"Không đọc được tệp {path}: {exc.strerror}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CliError(f"Tệp {path} không phải JSON UTF-8 hợp lệ: {exc}") from exc
    contents: dict[str, bytes] = {}
    papers = document.get("papers", []) if isinstance(document, dict) else []
    for index, paper in enumerate(papers if isinstance(papers, list) else []):
        if isinstance(paper, dict) and isinstance(paper.get("file"), str):
            source = (path.parent / paper["file"]).resolve()
            try:
                contents[str(index)] = source.read_bytes()
            except OSError as exc:
                raise CliError(f"Giấy tờ thứ {index + 1}: không đọc được {source}.") from exc
            paper.setdefault("name", source.name)
    with _opened(ctx) as store:
        submitted = online.submit(store.db, _files(ctx), document, contents)
    if ctx.args.json:
        print_json(submitted)
    else:
        print(f"Đã nhận hồ sơ trực tuyến {submitted['uuid']} ({len(submitted['papers'])} tệp).")
    return EXIT_OK


def cmd_run(ctx: Context) -> int:
    from counter_app.server.app import ServerApp
    from counter_app.server.ratelimit import RateLimiter
    from counter_app.server.runner import configure_logging, make_server, serve_in_foreground

    configure_logging()
    if ctx.args.lookup_rate <= 0 or ctx.args.lookup_burst < 1 or ctx.args.daily_quota < 1:
        raise CliError("--lookup-rate, --lookup-burst và --daily-quota phải là số dương.")
    store = _store(ctx, daily_quota=ctx.args.daily_quota)
    app = ServerApp(
        store,
        lookup_limiter=RateLimiter(ctx.args.lookup_rate, ctx.args.lookup_burst),
        files=_files(ctx),
    )
    server = make_server(
        app,
        host=ctx.args.host,
        port=ctx.args.port,
        threads=ctx.args.threads,
        trusted_proxy=ctx.args.trusted_proxy,
    )
    # Start-up objects (SQLAlchemy, modules) stay out of the collector's scans: a long-running
    # server otherwise walks them on every collection of a busy push.
    gc.collect()
    gc.freeze()
    serve_in_foreground(server, "Máy chủ tỉnh", ctx.args.host, store.close)
    return EXIT_OK


def cmd_token_create(ctx: Context) -> int:
    with _opened(ctx) as store:
        token = store.create_token(
            ctx.args.name,
            ctx.args.unit,
            centre=ctx.args.centre,
            role=ctx.args.role,
            actor=_actor(ctx),
        )
    if ctx.args.unit:
        bound = f"đơn vị {ctx.args.unit.strip().upper()}"
    else:
        bound = "cổng dịch vụ công" if ctx.args.role == "portal" else "bộ phận xử lý"
    print(f"Mã truy cập mới của quầy «{ctx.args.name}» ({bound}; chỉ hiện một lần):")
    print(token)
    return EXIT_OK


def cmd_token_revoke(ctx: Context) -> int:
    with _opened(ctx) as store:
        store.revoke_token(ctx.args.name, actor=_actor(ctx))
    print(f"Đã thu hồi mã truy cập của quầy «{ctx.args.name}».")
    return EXIT_OK


def cmd_token_move(ctx: Context) -> int:
    with _opened(ctx) as store:
        old = store.move_token(ctx.args.name, ctx.args.to, actor=_actor(ctx))
    print(
        f"Đã chuyển mã truy cập của quầy «{ctx.args.name}» sang máy cài đặt "
        f"{ctx.args.to.strip().lower()}."
    )
    if old and old != ctx.args.to.strip().lower():
        print(
            f"Máy cũ (mã cài đặt {old}) từ nay bị máy chủ từ chối và ngừng cấp mã hồ sơ. "
            "Trên máy mới: bấm đồng bộ (hoặc `counter-app sync`); nếu máy mới chưa có dữ liệu, "
            "chạy `counter-app sync --rebuild` trước khi tiếp nhận."
        )
    else:
        print("Trên máy mới: bấm đồng bộ (hoặc `counter-app sync`).")
    return EXIT_OK


def cmd_tokens(ctx: Context) -> int:
    with _opened(ctx) as store:
        tokens = store.tokens()
    if ctx.args.json:
        print_json(tokens)
    else:
        for t in tokens:
            state = "đang dùng" if t["active"] else "đã thu hồi"
            machine = f"máy {t['install_id']}" if t["install_id"] else "chưa gắn máy"
            print(f"{t['name']}\t{t['unit'] or t['role']}\t{t['centre'] or ''}\t{state}\t{machine}")
    return EXIT_OK


def cmd_advance(ctx: Context) -> int:
    with _opened(ctx) as store:
        seq = store.advance(ctx.args.code, ctx.args.status, ctx.args.note, _actor(ctx))
    print(f"Đã chuyển hồ sơ {ctx.args.code} sang trạng thái {ctx.args.status} (thay đổi số {seq}).")
    return EXIT_OK


def cmd_backup(ctx: Context) -> int:
    """`server backup --out DIR`: the database and the files folder (copied once each)."""
    from counter_app.backup import server_backup

    files = _files(ctx)
    with _opened(ctx) as store:
        made = server_backup(store.db, files.root, ctx.args.out)
    if ctx.args.json:
        print_json(made.to_json())
    else:
        f = made.files
        print(
            f"Đã sao lưu CSDL máy chủ vào {made.database}; tệp số hóa: {f.files} tệp trong "
            f"{f.folder} (chép thêm {f.copied} tệp, {f.bytes_copied / 1_000_000:.1f} MB)."
        )
    for name in made.files.damaged:
        sys.stderr.write(f"Tệp {name} trên máy chủ sai mã băm: không được sao lưu.\n")
    return EXIT_OK if not made.files.damaged else EXIT_ERROR


def cmd_stats(ctx: Context) -> int:
    with _opened(ctx) as store:
        stats = store.stats()
    if ctx.args.json:
        print_json(stats)
    else:
        for key, value in stats.items():
            print(f"{key}: {value}")
    return EXIT_OK


def cmd_catalog_load(ctx: Context) -> int:
    from counter_app.catalog import CatalogError

    try:
        document = json.loads(ctx.args.file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"Không đọc được tệp danh mục {ctx.args.file}: {exc}") from exc
    with _opened(ctx) as store:
        try:
            count = store.load_catalog(document)
        except CatalogError as exc:
            raise CliError(str(exc)) from exc
    print(f"Đã công bố danh mục {count} thủ tục cho các quầy.")
    return EXIT_OK


def cmd_calendar_set(ctx: Context) -> int:
    day = parse_day(ctx.args.day)
    kind = None if ctx.args.kind == "none" else ctx.args.kind
    with _opened(ctx) as store:
        store.set_calendar(day, kind, ctx.args.note, ctx.args.reference)
    print(f"Đã công bố ngày {day:%d/%m/%Y}: {ctx.args.kind}.")
    return EXIT_OK


def cmd_calendar_load(ctx: Context) -> int:
    from counter_app.calendar import unannounced_estimates
    from counter_app.cli.working_calendar import left_out_warning
    from counter_app.official_calendar import read_calendar_file

    calendar = read_calendar_file(ctx.args.file)  # validated before anything is published
    with _opened(ctx) as store:
        for entry in calendar.days:
            store.set_calendar(entry.day, entry.kind.value, entry.note, entry.reference)
        store.announce_calendar_year(calendar.year, calendar.title)  # after its days
    print(f"Đã công bố {len(calendar.days)} ngày của năm {calendar.year} cho các quầy.")
    left_out = unannounced_estimates(calendar.year, (d.day for d in calendar.days))
    if left_out:
        print(left_out_warning(calendar.year, left_out))
    return EXIT_OK

"""`online`: dossiers citizens filed online, checked and decided at this counter."""

from __future__ import annotations

from typing import Any

from counter_app.cli import EXIT_OK, Context, print_json


def register(sub: Any) -> None:
    p = sub.add_parser("online", help="hồ sơ trực tuyến: xem, tiếp nhận, yêu cầu bổ sung, từ chối")
    osub = p.add_subparsers(dest="online_command", required=True)

    ls = osub.add_parser("list", help="hồ sơ trực tuyến đang chờ quầy xử lý")
    ls.add_argument("--all", action="store_true", help="cả hồ sơ đã xử lý")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=cmd_list)

    acc = osub.add_parser("accept", help="tiếp nhận hồ sơ trực tuyến")
    acc.add_argument("uuid")
    acc.add_argument("--json", action="store_true")
    acc.set_defaults(handler=cmd_accept)

    sup = osub.add_parser("supplement", help="yêu cầu bổ sung hồ sơ trực tuyến (Mẫu 02)")
    sup.add_argument("uuid")
    sup.add_argument("--papers", required=True, metavar="CODE,…")
    sup.add_argument("--reason", required=True)
    sup.add_argument("--json", action="store_true")
    sup.set_defaults(handler=cmd_supplement)

    ref = osub.add_parser("refuse", help="từ chối hồ sơ trực tuyến (Mẫu 03)")
    ref.add_argument("uuid")
    ref.add_argument("--reason", required=True)
    ref.add_argument("--json", action="store_true")
    ref.set_defaults(handler=cmd_refuse)


def _sync_first(ctx: Context) -> None:
    """Read the server's feed first so the list and the decisions see what it knows."""
    from counter_app.sync.engine import SyncEngine

    services = ctx.services()
    if not (services.settings.sync.server_url and services.settings.sync.token):
        return
    engine = SyncEngine.for_services(services)
    try:
        engine.run_once(manual=True)
    finally:
        engine.close()


def cmd_list(ctx: Context) -> int:
    _sync_first(ctx)
    items = ctx.services().online.list(include_done=ctx.args.all)
    if ctx.args.json:
        print_json([i.to_json() for i in items])
        return EXIT_OK
    if not items:
        print("Không có hồ sơ trực tuyến nào đang chờ.")
    for i in items:
        name = i.applicant.get("name", "")
        print(
            f"{i.uuid}  {i.procedure}  {name}  {i.submitted_at:%H:%M %d/%m/%Y}  {len(i.files)} tệp"
        )
    return EXIT_OK


def _outcome(ctx: Context, outcome: Any) -> int:
    if ctx.args.json:
        print_json(outcome.to_json())
    else:
        print(outcome.message)
    return EXIT_OK


def cmd_accept(ctx: Context) -> int:
    _sync_first(ctx)
    return _outcome(ctx, ctx.services().online.accept(ctx.args.uuid, by=ctx.actor()))


def cmd_supplement(ctx: Context) -> int:
    _sync_first(ctx)
    papers = [p for p in ctx.args.papers.split(",") if p.strip()]
    online = ctx.services().online
    return _outcome(ctx, online.supplement(ctx.args.uuid, papers, ctx.args.reason, by=ctx.actor()))


def cmd_refuse(ctx: Context) -> int:
    _sync_first(ctx)
    return _outcome(
        ctx, ctx.services().online.refuse(ctx.args.uuid, ctx.args.reason, by=ctx.actor())
    )

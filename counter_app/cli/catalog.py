"""`catalog`: list the procedures this counter can receive."""

from __future__ import annotations

from typing import Any

from counter_app.cli import EXIT_OK, Context, print_json


def register(sub: Any) -> None:
    p = sub.add_parser("catalog", help="liệt kê thủ tục hành chính trong danh mục")
    p.add_argument("--search", metavar="TEXT", help="lọc theo mã hoặc tên (không cần dấu)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_catalog)


def cmd_catalog(ctx: Context) -> int:
    catalog = ctx.services().catalog
    items = catalog.find(ctx.args.search, limit=10_000) if ctx.args.search else catalog.all()
    if ctx.args.json:
        print_json(
            [
                {
                    "code": p.code,
                    "name": p.name,
                    "sector": p.sector,
                    "level": p.level,
                    "processing": {"amount": p.processing_amount, "unit": p.processing_unit.value},
                    "processing_text": p.processing_text,
                    "cutoff": p.cutoff.strftime("%H:%M") if p.cutoff else None,
                    "fee": p.fee,
                    "papers": [
                        {
                            "code": x.code,
                            "name": x.name,
                            "originals": x.originals,
                            "copies": x.copies,
                            "required": x.required,
                            "digitise": x.digitise,
                        }
                        for x in p.papers
                    ],
                    "verified": p.verified,
                }
                for p in items
            ]
        )
    else:
        for p in items:
            print(f"{p.code:<12} {p.processing_text:<22} {p.name}")
    return EXIT_OK

"""The papers of a dossier at intake: which were handed in, how many, and their digitised files.

Part of the intake rules (`counter_app.intake` calls these from `validate`); kept apart so that
the paper rules are read in one place. `errors(field, message)` collects problems by field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from counter_app.attachments import AttachmentService, StagedFile, paper_label
from counter_app.catalog import PaperCount, ProcedureInfo

AddError = Callable[[str, str], None]

MAX_PAPER_COUNT = 99
COUNT_KEYS = ("originals", "copies", "pages")
MAX_PAPER_PAGES = 9999


def papers_handed_in(
    procedure: ProcedureInfo,
    papers: Sequence[str] | Literal["all", "required"],
    paper_counts: Mapping[str, Mapping[str, int]],
    errors: AddError,
) -> tuple[frozenset[str], dict[str, PaperCount]]:
    """Which papers were handed in and how many of each: the draft's choice over the catalog's."""
    known = {p.code: p for p in procedure.papers}
    if papers == "all":
        codes = list(known)
    elif papers == "required":
        codes = [p.code for p in procedure.required_papers]
    else:
        codes = [c.strip().upper() for c in papers if c.strip()]
    counted = {code.strip().upper(): count for code, count in paper_counts.items()}
    unknown = sorted({c for c in [*codes, *counted] if c not in known})
    if unknown:
        errors(
            "papers",
            f"thủ tục {procedure.code} không có giấy tờ mã {', '.join(unknown)} "
            f"(các mã: {', '.join(sorted(known))}).",
        )
    submitted = frozenset(c for c in [*codes, *counted] if c in known)
    counts: dict[str, PaperCount] = {}
    for code in sorted(submitted, key=list(known).index):
        spec = known[code]
        given = counted.get(code, {})
        unknown_keys = sorted(set(given) - set(COUNT_KEYS))
        if unknown_keys:
            errors("papers", f"giấy tờ {code}: không hiểu {', '.join(unknown_keys)}.")
        try:
            count = PaperCount(
                int(given.get("originals", spec.originals)),
                int(given.get("copies", spec.copies)),
                int(given.get("pages", 0)),
            )
        except (TypeError, ValueError):
            errors("papers", f"số bản, số trang của giấy tờ {code} phải là số nguyên.")
            count = PaperCount(spec.originals, spec.copies, 0)
        bad = [
            what
            for what, value, top in (
                ("số bản chính", count.originals, MAX_PAPER_COUNT),
                ("số bản sao", count.copies, MAX_PAPER_COUNT),
                ("số trang", count.pages, MAX_PAPER_PAGES),
            )
            if not 0 <= value <= top
        ]
        if bad:
            errors(
                "papers",
                f"{', '.join(bad)} của giấy tờ {code} phải từ 0 đến "
                f"{MAX_PAPER_PAGES if bad == ['số trang'] else MAX_PAPER_COUNT}.",
            )
        counts[code] = count
    return submitted, counts


def check_digitisation(
    procedure: ProcedureInfo,
    submitted: frozenset[str],
    files: Sequence[StagedFile],
    reason: str,
    errors: AddError,
    *,
    in_person: bool,
) -> tuple[str, ...]:
    """The rule for digitised papers; returns the codes saved without their file.

    A file belongs to a paper handed in. A paper the catalog says must be digitised, handed in
    at the counter without a file, needs the clerk's reason (the scanner is down, the citizen
    could not wait): the dossier is then saved, the reason kept, and the supervisor's list shows
    it until the file is attached. Online dossiers arrive digital: the rule is for walk-ins.
    """
    known = {p.code: p for p in procedure.papers}
    with_file = set()
    for f in files:
        spec = known.get(f.paper)
        if spec is None:
            errors(
                "files",
                f"tệp «{f.name}» gắn với giấy tờ mã «{f.paper}», thủ tục {procedure.code} không "
                "có giấy tờ này.",
            )
        elif f.paper not in submitted:
            errors(
                "files",
                f"giấy tờ {paper_label(spec.code, spec.name)} có tệp «{f.name}» nhưng chưa được "
                "đánh dấu đã nộp: hãy đánh dấu hoặc gỡ tệp.",
            )
        else:
            with_file.add(f.paper)
    if not in_person:
        return ()
    lacking = [p for p in procedure.digitised_papers if p.code in submitted - with_file]
    if lacking and not reason:
        errors(
            "undigitised_reason",
            "giấy tờ phải số hóa chưa có bản quét: "
            + "; ".join(paper_label(p.code, p.name) for p in lacking)
            + ". Hãy quét hoặc chọn tệp; nếu máy quét hỏng, ghi lý do để lưu và số hóa sau.",
        )
    return tuple(p.code for p in lacking)


def check_staged_files(
    attachments: AttachmentService | None,
    procedure: ProcedureInfo,
    files: Sequence[StagedFile],
    unit: Callable[[], str],
) -> list[str]:
    """Each staged file is still in the store and within the limit heard from the server (it
    may have come down since the file was scanned); messages name the paper and the file."""
    if attachments is None:
        return ["Bản số hóa: quầy này chưa có kho tệp để lưu bản số hóa."]
    names = {p.code: p.name for p in procedure.papers}
    where, limit = unit(), attachments.limit()
    problems = []
    for f in files:
        problem = attachments.staged_problem(
            f, where, paper_label(f.paper, names.get(f.paper, "")), limit
        )
        if problem:
            problems.append(f"Bản số hóa: {problem}")
    return problems


def required_when_unrecorded(
    *, submitted: bool, missing_reason: str, in_catalog: bool | None
) -> bool:
    """Whether a paper was required on intake day, for a dossier that did not record it (before
    migration 0013, or pushed to the server before then; the migration applies the same rule).

    Intake refuses a dossier lacking a required paper unless the clerk writes why, so a paper
    not handed in to a dossier without that reason was optional. Otherwise the catalog's flag,
    and True when the catalog no longer lists the paper (the cautious «Thiếu»)."""
    if not submitted and not missing_reason.strip():
        return False
    return True if in_catalog is None else in_catalog

"""Files benchmark: 200 dossiers with three scanned pages each, uploaded to the real server.

`files_upload_mb_per_s` is the counter's uploader (read and hash-check each stored file, ask the
server what it holds, send 1 MiB chunks, confirm and queue the metadata records);
`files_upload_ratio` is that over a bare upload of the same bytes in the same chunks by plain
`requests` to the same server process in the same run (no local reads, checks or bookkeeping).
"""

from __future__ import annotations

import hashlib
import io
import random
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests

from counter_app.auth import system_actor
from counter_app.bench.sync import _ServerProcess
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.services import CounterServices
from counter_app.settings import Settings, SyncSettings
from counter_app.sync.engine import SyncEngine
from counter_app.sync.files import CHUNK_BYTES, FileUploader

#: Works on a database and server of its own: no need to fill the bench's file first.
NEEDS_FILL = False
DOSSIERS = 200
PAGE_BYTES = 300_000


def _scan(seed: int) -> bytes:
    """A 3-page PDF of about 900 KB: trailing incompressible bytes stand in for page images."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for page in range(3):
        c.drawString(72, 720, f"Trang {page + 1}")
        c.showPage()
    c.save()
    noise = random.Random(seed).randbytes(3 * PAGE_BYTES // 2).hex().encode()
    return buf.getvalue() + b"\n%" + noise


def run(ctx: Any) -> dict[str, float]:
    base = Path(ctx.tmp_dir) / "files-bench"
    base.mkdir(parents=True, exist_ok=True)
    settings: Settings = replace(ctx.settings, db_url=f"sqlite:///{base / 'counter.sqlite3'}")
    settings = replace(settings, paths=replace(settings.paths, data_dir=base / "counter-data"))
    services = CounterServices(settings)
    services.init()
    unit = services.intake.unit_identifier()
    server = _ServerProcess(f"sqlite:///{base / 'server.sqlite3'}", unit, files_dir=base / "srv")
    try:
        actor = system_actor()
        procedure = services.catalog.all()[0]
        paper = procedure.papers[0].code
        blobs: list[bytes] = []
        for i in range(DOSSIERS):
            code = services.intake.receive(
                DossierDraft(
                    procedure_code=procedure.code,
                    applicant=ApplicantDraft(name="Lê Văn An", id_number=f"0220{86000000 + i:08d}"),
                    missing_reason="Đo hiệu năng",
                    undigitised_reason="Đo hiệu năng",  # the files are attached just after
                ),
                clerk=actor,
            ).code
            path = base / f"scan-{i}.pdf"
            blob = _scan(i)
            path.write_bytes(blob)
            blobs.append(blob)
            services.attachments.attach(code, paper, [path], by=actor)
        total_mb = sum(len(b) for b in blobs) / 1_000_000
        sync = SyncSettings(server_url=server.url, token=server.token)
        engine = SyncEngine(services.db, sync, clock=services.clock)
        assert engine.transport is not None and engine.files is None
        uploader = FileUploader(
            services.db, services.attachments.store, engine.transport, clock=services.clock
        )
        started = time.perf_counter()
        done = uploader.upload_pending()
        app_s = time.perf_counter() - started
        engine.close()
        if done.files != DOSSIERS:
            raise RuntimeError(f"files benchmark uploaded {done.files} of {DOSSIERS} files")
        bare_s = _bare_upload(
            server.url, server.new_token("bench-bare", "000.00.00.H49.Q99"), blobs
        )
        app_rate = total_mb / app_s
        return {
            "files_upload_mb_per_s": app_rate,
            "files_upload_ratio": app_rate / (total_mb / bare_s),
            "files_total_mb": total_mb,
        }
    finally:
        server.stop()
        services.close()


def _bare_upload(url: str, token: str, blobs: list[bytes]) -> float:
    """The same bytes, same chunks, same server, by plain requests: the baseline."""
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"}
    started = time.perf_counter()
    for blob in blobs:
        sha = hashlib.sha256(blob).hexdigest()
        for offset in range(0, len(blob), CHUNK_BYTES):
            chunk = blob[offset : offset + CHUNK_BYTES]
            reply = session.put(
                f"{url}/api/v1/files/{sha}",
                data=chunk,
                headers={
                    **headers,
                    "Upload-Offset": str(offset),
                    "Upload-Length": str(len(blob)),
                },
                timeout=60,
            )
            reply.raise_for_status()
    elapsed = time.perf_counter() - started
    session.close()
    return elapsed

"""A separate process that receives dossiers in a loop (concurrency and crash tests).

Usage: python -m tests.helpers.intake_worker URL COUNT [COUNTER_NO]
Prints each code on its own line, flushed, as soon as its transaction committed.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from counter_app.auth import system_actor
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.services import CounterServices
from counter_app.settings import Settings


def main() -> None:
    url, count = sys.argv[1], int(sys.argv[2])
    counter_no = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    settings = replace(Settings.load(db_url=url), counter_no=counter_no)
    services = CounterServices(settings)
    for i in range(count):
        draft = DossierDraft(
            procedure_code="2.000908",
            applicant=ApplicantDraft(name="Trần Thị Thuỷ", id_number=f"0221{90000000 + i:08d}"),
        )
        result = services.intake.receive(draft, clerk=system_actor())
        sys.stdout.write(result.code + "\n")
        sys.stdout.flush()
    services.close()


if __name__ == "__main__":
    main()

"""The cost of saving a long recurring booking: ten years of a weekly meeting with five invitees.

One SaveAppointmentEntity writes the rule, 520 mother rows and 520 × 5 child rows (3120 rows and 520
texts) in one unit of work. The real server runs on a scratch SQLite database (or --database-url)
with the demo users plus three more invitees; each round saves one such series over HTTP as ada.

    .venv/bin/python bench/recurring.py             # 5 saves
    .venv/bin/python bench/recurring.py --rounds 10 --database-url postgresql://…

Prints the seconds of each save and, last, `recurring_save_median_s = X.XXX`. No limit is asserted.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.accept import sodiary_server  # noqa: E402

WEEKS = 520
EXTRA_INVITEES = ("bench1", "bench2", "bench3")
AGENT = "/api/v1/Agents/Appointment/"


def series_body(default: dict[str, Any], first_monday: date, invitees: list[int]) -> dict[str, Any]:
    """A weekly Monday series of WEEKS occurrences from `first_monday`, 10:00–11:00, with the invitees."""
    owner = default["Associate"]["AssociateId"]
    return dict(
        default, StartDate=f"{first_monday}T10:00:00", EndDate=f"{first_monday}T11:00:00", Title="Weekly",
        Participants=[{"AssociateId": i} for i in [owner, *invitees]],
        Recurrence={"IsRecurrence": True, "Pattern": "Weekly", "WeekPattern": {"Cycle": 1, "Weekdays": "Monday"},
                    "RecurrenceEndType": "Counter", "RecurrenceCounter": WEEKS},
    )


def post(url: str, method: str, body: Any) -> Any:
    auth = base64.b64encode(b"ada:Ada").decode()
    request = urllib.request.Request(url + AGENT + method, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Basic {auth}"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read() or b"null")


def prepare(url: str) -> list[int]:
    """Demo data plus three more users; the ids of the five invitees."""
    from sqlalchemy import create_engine, select

    from sodiary import cli
    from sodiary.config import Settings
    from sodiary.store import associates
    from sodiary.store.database import normalise_url
    from sodiary.store.schema import associate

    cli.init(Settings(database_url=url), demo=True)
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        for name in EXTRA_INVITEES:
            if conn.execute(select(associate.c.associate_id).where(associate.c.name == name)).first() is None:
                associates.add_associate(conn, name, "", None)
        rows = conn.execute(select(associate.c.name, associate.c.associate_id)).all()
    engine.dispose()
    ids: dict[str, int] = {name: associate_id for name, associate_id in rows}
    return [ids["ben"], ids["tje0"], *(ids[n] for n in EXTRA_INVITEES)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        invitees = prepare(url)
        server = sodiary_server("sodiary", url, Path(tmp) / "server.log").start()
        base = f"http://127.0.0.1:{server.port}"
        try:
            default = post(base, "CreateDefaultAppointmentEntity", None)
            seconds = []
            for round_number in range(args.rounds):
                monday = date(2040, 1, 2) + timedelta(weeks=WEEKS * round_number)
                began = time.perf_counter()
                saved = post(base, "SaveAppointmentEntity", series_body(default, monday, invitees))
                seconds.append(time.perf_counter() - began)
                assert len(saved["Recurrence"]["Dates"]) == WEEKS, "the series was not saved whole"
                print(f"round {round_number + 1}: {seconds[-1]:.3f} s for {WEEKS * (1 + len(invitees))} rows")
        finally:
            server.stop()
    print(f"recurring_save_median_s = {statistics.median(seconds):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

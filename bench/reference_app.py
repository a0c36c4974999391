"""The reference for the Accept benchmark: the least a durable Accept can cost on this stack.

Same framework as sodiary (Starlette on uvicorn, one worker, same uvicorn extras), same
request body, same answer (204), and one durable single-row UPDATE in SQLite: WAL,
synchronous=FULL, one writer thread holding one connection, BEGIN IMMEDIATE … COMMIT per
request (so one fsync per request: no group commit). No authentication, no state machine,
no audit row: whatever sodiary costs beyond this is the price of its features.

    python bench/reference_app.py --db /tmp/ref.db --port 8001 [--rows 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import queue
import sqlite3
import threading
from concurrent.futures import Future

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ACCEPTED, INVITED = 1, 5
_ACCEPT = "UPDATE invitation SET status = ? WHERE id = ? AND status = ?"


def create_db(path: str, rows: int) -> None:
    """A table of `rows` invitations, all still waiting for an answer."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS invitation (id INTEGER PRIMARY KEY, status INTEGER NOT NULL)")
        conn.execute("BEGIN")
        conn.executemany("INSERT OR REPLACE INTO invitation VALUES (?, ?)", ((i, INVITED) for i in range(1, rows + 1)))
        conn.execute("COMMIT")
    finally:
        conn.close()


class Writer:
    """One thread, one connection, one transaction (one fsync) per request."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._queue: queue.SimpleQueue[tuple[int, Future[int]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="reference-writer", daemon=True)
        self._thread.start()

    def accept(self, invitation_id: int) -> Future[int]:
        future: Future[int] = Future()
        self._queue.put((invitation_id, future))
        return future

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        try:
            while (item := self._queue.get()) is not None:
                invitation_id, future = item
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    cur = conn.execute(_ACCEPT, (ACCEPTED, invitation_id, INVITED))
                    conn.execute("COMMIT")
                except BaseException as exc:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    future.set_exception(exc)
                else:
                    future.set_result(cur.rowcount)
        finally:
            conn.close()


def create_app(path: str) -> Starlette:
    writer: Writer | None = None

    async def accept(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            invitation_id = int(body["AppointmentId"])
            _mode = str(body["UpdateMode"])
        except (ValueError, KeyError, TypeError):
            return Response(status_code=400)
        assert writer is not None
        await asyncio.wrap_future(writer.accept(invitation_id))
        return Response(status_code=204)

    async def lifespan(_app: Starlette):  # type: ignore[no-untyped-def]
        nonlocal writer
        writer = Writer(path)
        try:
            yield
        finally:
            writer.stop()

    return Starlette(routes=[Route("/api/v1/Agents/Appointment/Accept", accept, methods=["POST"])], lifespan=lifespan)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--rows", type=int, default=0, help="create the table with this many invitations first")
    args = parser.parse_args()
    if args.rows:
        create_db(args.db, args.rows)
    uvicorn.run(create_app(args.db), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

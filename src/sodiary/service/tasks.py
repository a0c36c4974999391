"""The task list (issue 17): TaskListItem create, save and read, one unit of work per call."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.engine import Connection

from ..domain.errors import Conflict, Invalid, NotFound
from ..store import tasks as store
from ..store.database import Database
from ..store.tasks import Row
from .clock import utc_now
from .context import Caller

VIDEO_STATUSES = ("NoChange", "VideoMeetingOn", "VideoMeetingOff")


@dataclass(frozen=True, slots=True)
class TaskInput:
    """A TaskListItem's stored members (enums as their numbers, the colour and video status as names)."""

    name: str
    rank: int = 0
    tooltip: str = ""
    deleted: bool = False
    record_type: int = 1
    direction: int = 0
    color_index: str = "LightBlue"
    default_allday_event: bool = False
    default_free: bool = False
    default_published: bool = False
    intent_id: int = 0
    default_videomeeting_status: str = "NoChange"


async def default_rank(db: Database) -> int:
    """A new item goes last."""
    return await db.transaction(store.next_rank)


async def get(db: Database, task_id: int) -> Row | None:
    return await db.transaction(lambda conn: store.get(conn, task_id))


async def all_tasks(db: Database, include_deleted: bool) -> list[Row]:
    return await db.transaction(lambda conn: store.all_tasks(conn, include_deleted))


async def save(db: Database, caller: Caller, task_id: int, data: TaskInput) -> Row:
    """Creates (id 0) or replaces a task; the saved row back. A name is required and unique (any case)."""
    name = data.name.strip()
    if not name:
        raise Invalid("task_name_required")
    if data.default_videomeeting_status not in VIDEO_STATUSES:
        raise Invalid("task_video_status", value=data.default_videomeeting_status[:40])
    values = dict(asdict(data), name=name)

    def work(conn: Connection) -> Row:
        same = store.named(conn, name)
        if same is not None and same["task_id"] != task_id:
            raise Conflict("task_name_taken", name=name)
        now = utc_now()
        try:
            if task_id == 0:
                saved = store.insert_task(conn, dict(values, registered=now,
                                                     registered_associate_id=caller.associate_id))
            else:
                current = store.get(conn, task_id)
                if current is None:
                    raise NotFound("task_not_found", task_id=task_id)
                store.update_task(conn, task_id, dict(values, updated=now, updated_associate_id=caller.associate_id,
                                                      updated_count=current["updated_count"] + 1))
                saved = task_id
        except store.NameTaken:
            raise Conflict("task_name_taken", name=name) from None
        row = store.get(conn, saved)
        assert row is not None
        return row

    return await db.transaction(work)

"""The task list (issue 17): CreateDefaultTaskListItem, SaveTaskListItem, GetTaskListItem, GetTaskListItems.

The carrier is the TaskListItem the AppointmentEntity's `Task` already uses (carriers/entity.py)."""

from __future__ import annotations

from sodiary.domain.enums import TaskType
from sodiary.service import tasks as svc
from sodiary.service.tasks import TaskInput
from sodiary.store.tasks import Row
from sodiary.wire import enums as w
from sodiary.wire.agent.entities import query_id
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.entity_view import FULL_RIGHTS
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.enums import to_domain, to_wire
from sodiary.wire.errors import ApiError

# TaskDirection (EAppntDirection), by name and number.
DIRECTIONS = ("Unknown", "Incoming", "Outgoing", "SaintAll")


class GetTaskListItemsRequest(c.Request):
    include_deleted: bool = False


def _direction(value: str | None) -> int:
    text = (value or "Unknown").strip()
    by_name = {d.lower(): n for n, d in enumerate(DIRECTIONS)}
    if text.lower() in by_name:
        return by_name[text.lower()]
    if text.isdigit() and int(text) < len(DIRECTIONS):
        return int(text)
    raise ApiError(400, "ArgumentException", "invalid_query", name="Direction",
                   detail="one of " + ", ".join(DIRECTIONS))


def _carrier(row: Row) -> c.TaskListItem:
    return c.TaskListItem(
        task_list_item_id=row["task_id"], value=row["name"], direction=DIRECTIONS[row["direction"]],
        type=to_wire(_task_type(row["record_type"]), w.TaskType),
        tooltip=row["tooltip"], deleted=bool(row["deleted"]), intent_id=row["intent_id"], rank=row["rank"],
        is_default_allday_event=bool(row["default_allday_event"]), is_default_free=bool(row["default_free"]),
        is_default_published=bool(row["default_published"]), color_index=row["color_index"],
        default_videomeeting_status=row["default_videomeeting_status"], table_right=FULL_RIGHTS,
    )


def _task_type(value: int) -> TaskType:
    return TaskType(value) if value in TaskType._value2member_map_ else TaskType.Unknown


def _input(item: c.TaskListItem) -> TaskInput:
    return TaskInput(
        name=item.value or "", rank=item.rank, tooltip=(item.tooltip or "")[:254], deleted=item.deleted,
        record_type=int(to_domain(item.type, TaskType)), direction=_direction(item.direction),
        color_index=(item.color_index or "LightBlue")[:40], default_allday_event=item.is_default_allday_event,
        default_free=item.is_default_free, default_published=item.is_default_published, intent_id=item.intent_id,
        default_videomeeting_status=item.default_videomeeting_status or "NoChange",
    )


async def create_default(call: Call, _req: None) -> c.TaskListItem:
    return c.TaskListItem(rank=await svc.default_rank(call.db), table_right=FULL_RIGHTS)


async def save(call: Call, item: c.TaskListItem) -> c.TaskListItem:
    if item.task_list_item_id < 0:
        raise ApiError(400, "ArgumentException", "invalid_query", name="TaskListItemId", detail="0 or an id")
    if len(item.value or "") > 239:
        raise ApiError(400, "ArgumentException", "invalid_query", name="Value", detail="at most 239 characters")
    return _carrier(await svc.save(call.db, call.caller, item.task_list_item_id, _input(item)))


async def get_one(call: Call, _req: None) -> c.TaskListItem | None:
    task_id = query_id(call, "taskListItemId")
    row = await svc.get(call.db, task_id) if task_id > 0 else None
    return _carrier(row) if row is not None else None


async def get_all(call: Call, req: GetTaskListItemsRequest) -> list[c.TaskListItem]:
    return [_carrier(r) for r in await svc.all_tasks(call.db, req.include_deleted)]


METHODS: list[AgentMethod] = [
    AgentMethod("CreateDefaultTaskListItem", create_default, None, c.TaskListItem,
                summary="A new, unsaved TaskListItem: an appointment task ranked last."),
    AgentMethod("SaveTaskListItem", save, c.TaskListItem, c.TaskListItem,
                summary="Creates (id 0) or replaces a task list item; names are unique in any case (409)."),
    AgentMethod("GetTaskListItem", get_one, None, c.TaskListItem, query={"taskListItemId": c.Int32},
                summary="The task list item with the id, or null."),
    AgentMethod("GetTaskListItems", get_all, GetTaskListItemsRequest, list[c.TaskListItem],
                summary="Every task list item by rank; deleted ones only with IncludeDeleted."),
]

"""The diary's calendar (issue 17): per-day activity and red-letter summaries for an associate.

GetDayInformationListByDatesAndAssociate, GetActivityInformationListByDatesAndAssociate and
GetRedLetterInformationListByDatesAndAssociate: "The time portion of the dates is ignored. Exactly one item per
day of the given time span is returned … Start end dates are treated as inclusive." AssociateId 0 = the caller.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from sodiary.domain.calendar_days import WorkingTime
from sodiary.service import calendar_days as svc
from sodiary.wire.carriers import entity as c
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.errors import ApiError
from sodiary.wire.negotiation import language
from sodiary.wire.timefmt import parse_iso, time_context

Int32 = c.Int32
AssociateId = Annotated[int, msgspec.Meta(ge=0, le=2_147_483_647, description="Associate id; 0 = the caller")]


class ActivitySummary(c.RightsCarrier):
    num_busy_activities: Int32 = 0
    num_free_activities: Int32 = 0
    percentage_busy: Int32 = 0


class RedLetterSummary(c.RightsCarrier):
    is_own_country_holiday: bool = False
    is_other_country_holiday: bool = False


class RedLetterDetails(c.RightsCarrier):
    own_country_day_texts: list[str] = msgspec.field(default_factory=list)
    other_country_day_texts: list[str] = msgspec.field(default_factory=list)


class DayInformationListItem(c.RightsCarrier):
    activity_information: ActivitySummary | None = None
    red_letter_information: RedLetterSummary | None = None
    date: c.DateText | None = None


class ActivityInformationListItem(c.RightsCarrier):
    date: c.DateText | None = None
    activity_information: ActivitySummary | None = None


class RedLetterInformationListItem(c.RightsCarrier):
    date: c.DateText | None = None
    red_letter_information: RedLetterSummary | None = None
    red_letter_details: RedLetterDetails | None = None


class DatesAndAssociateRequest(c.Request, kw_only=True):
    start_date: c.DateText  # required and not null: a missing or null one is the binder's 400
    end_date: c.DateText
    associate_id: AssociateId = 0


class NextAvailableTime(c.RightsCarrier):
    available_time_start: c.DateText | None = None
    available_time_end: c.DateText | None = None
    recommended_time_start: c.DateText | None = None
    recommended_time_end: c.DateText | None = None


class NextAvailableTimeRequest(c.Request, kw_only=True):
    associates: list[AssociateId] = msgspec.field(default_factory=list)
    start_time: c.DateText  # required and not null: a missing or null one is the binder's 400
    end_time: c.DateText
    count: Int32 = 1
    is_all_day: bool = False


def _date(text: str | None, field: str) -> date:
    if text is None or not text.strip():
        raise ApiError(400, "ArgumentException", "invalid_query", name=field, detail="a date is required")
    # The calendar date as the client wrote it: converting zones could move it to the day before.
    return parse_iso(text, field).date()


async def _days(call: Call, req: DatesAndAssociateRequest) -> list[svc.Day]:
    settings = call.request.app.state.settings
    work, _ = _working_time(call)
    headers = call.request.headers
    lang = language(headers.get("accept-language"), headers.get("so-language"))
    return await svc.day_information(call.db, call.caller, req.associate_id, _date(req.start_date, "StartDate"),
                                     _date(req.end_date, "EndDate"), work, settings.holiday_country, lang)


def _when(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def _activity(day: svc.Day) -> ActivitySummary:
    a = day.activity
    return ActivitySummary(num_busy_activities=a.busy, num_free_activities=a.free, percentage_busy=a.percentage_busy)


def _red(day: svc.Day) -> RedLetterSummary:
    return RedLetterSummary(is_own_country_holiday=bool(day.holidays))


async def day_information(call: Call, req: DatesAndAssociateRequest) -> list[DayInformationListItem]:
    return [DayInformationListItem(activity_information=_activity(d), red_letter_information=_red(d),
                                   date=_when(d.date)) for d in await _days(call, req)]


async def activity_information(call: Call, req: DatesAndAssociateRequest) -> list[ActivityInformationListItem]:
    return [ActivityInformationListItem(date=_when(d.date), activity_information=_activity(d))
            for d in await _days(call, req)]


async def red_letter_information(call: Call, req: DatesAndAssociateRequest) -> list[RedLetterInformationListItem]:
    return [RedLetterInformationListItem(date=_when(d.date), red_letter_information=_red(d),
                                         red_letter_details=RedLetterDetails(own_country_day_texts=d.holidays))
            for d in await _days(call, req)]


def _working_time(call: Call) -> tuple[WorkingTime, str]:
    settings = call.request.app.state.settings
    return WorkingTime.parse(settings.working_hours, settings.working_days), settings.holiday_country


async def next_available_time(call: Call, req: NextAvailableTimeRequest) -> list[NextAvailableTime]:
    tc = time_context(call.request)
    start, end = tc.parse(req.start_time, "StartTime"), tc.parse(req.end_time, "EndTime")
    if start is None or end is None:
        field = "StartTime" if start is None else "EndTime"
        raise ApiError(400, "ArgumentException", "invalid_query", name=field, detail="a date and time is required")
    work, country = _working_time(call)
    found = await svc.next_available(call.db, call.caller, req.associates, start, end, req.count, req.is_all_day,
                                     work, country)
    return [NextAvailableTime(available_time_start=tc.render(o.available_start),
                              available_time_end=tc.render(o.available_end),
                              recommended_time_start=tc.render(o.recommended_start),
                              recommended_time_end=tc.render(o.recommended_end)) for o in found]


METHODS: list[AgentMethod] = [
    AgentMethod("GetNextAvailableTime", next_available_time, NextAvailableTimeRequest, list[NextAvailableTime],
                summary="The soonest openings as long as StartTime..EndTime, in working time, when every associate "
                        "is free."),
    AgentMethod("GetDayInformationListByDatesAndAssociate", day_information, DatesAndAssociateRequest,
                list[DayInformationListItem],
                summary="One item per day (inclusive): busy/free rows, share of the working day booked, public "
                        "holiday."),
    AgentMethod("GetActivityInformationListByDatesAndAssociate", activity_information, DatesAndAssociateRequest,
                list[ActivityInformationListItem],
                summary="One item per day (inclusive): busy and free rows and the share of the working day booked."),
    AgentMethod("GetRedLetterInformationListByDatesAndAssociate", red_letter_information, DatesAndAssociateRequest,
                list[RedLetterInformationListItem],
                summary="One item per day (inclusive): whether it is a public holiday of SODIARY_HOLIDAY_COUNTRY, "
                        "and its names."),
]

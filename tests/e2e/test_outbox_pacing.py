"""Delivery yields to the API (outbox/pacing.py): it rests while requests come, goes on once they stop, and
still gets its floor under a load that never pauses; the front door counts the requests it paces by."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sodiary.outbox.pacing import TRAFFIC, Traffic, rest
from sodiary.wire.app import AgentDispatch

LONG_STEP = 1000.0  # a step so long that only the API going quiet can end its rest


def test_delivery_rests_while_a_request_is_in_flight_and_goes_on_once_it_is_answered() -> None:
    async def scenario() -> None:
        traffic = Traffic()
        traffic.arrived, traffic.in_flight = 1, 1
        resting = asyncio.ensure_future(rest(LONG_STEP, traffic=traffic))
        await asyncio.sleep(0.05)  # several of the rest's looks at the API
        assert not resting.done()
        traffic.in_flight = 0
        await asyncio.wait_for(resting, timeout=30)

    asyncio.run(scenario())


def test_requests_that_keep_arriving_keep_delivery_resting_though_none_is_in_flight_when_it_looks() -> None:
    async def scenario() -> None:
        traffic = Traffic()
        # Quiet means a second without a request here, so that a busy test machine's late wake-ups (the loop's
        # 1 ms sleeps taking tens of ms) cannot look like the API going quiet.
        resting = asyncio.ensure_future(rest(LONG_STEP, traffic=traffic, quiet=1.0))
        for _ in range(50):  # a short request every millisecond, each answered before the next
            traffic.arrived += 1
            await asyncio.sleep(0.001)
        assert not resting.done()
        await asyncio.wait_for(resting, timeout=30)  # and once they stop, the rest ends

    asyncio.run(scenario())


def test_under_a_load_that_never_pauses_delivery_still_gets_its_floor() -> None:
    async def scenario() -> None:
        traffic = Traffic()
        traffic.in_flight = 64
        # A step of 2 ms at a floor of a half rests at most 2 ms more, however busy the API stays.
        await asyncio.wait_for(rest(0.002, floor=0.5, traffic=traffic), timeout=30)

    asyncio.run(scenario())


def test_the_front_door_counts_a_request_in_flight_while_it_is_answered_and_not_after() -> None:
    async def seen(request: Request) -> Response:
        return JSONResponse({"in_flight": TRAFFIC.in_flight, "arrived": TRAFFIC.arrived})

    async def agent(request: Request) -> Response:
        return Response(status_code=204)

    app = AgentDispatch(Starlette(routes=[Route("/seen", seen)]), agent)

    async def scenario() -> None:
        before = (TRAFFIC.in_flight, TRAFFIC.arrived)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            during = (await client.get("/seen")).json()
        assert (during["in_flight"], during["arrived"]) == (before[0] + 1, before[1] + 1)
        assert (TRAFFIC.in_flight, TRAFFIC.arrived) == (before[0], before[1] + 1)

    asyncio.run(scenario())

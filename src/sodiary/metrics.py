"""Prometheus metrics (prometheus-client): what `GET /metrics` shows, and the hooks that feed it.

One process: the client's default in-process values. `--workers N`: the supervisor creates a private
PROMETHEUS_MULTIPROC_DIR before it starts the workers (`multiprocess_dir`), every worker writes its
values there, and whichever worker answers a scrape sums them all (MultiProcessCollector), so a scrape
sees the whole server whichever connection it arrives on. The directory is removed when the server
stops, so a restart never counts a previous run.

The Accept path runs ~10k requests a second per worker: a request costs one dict lookup for its
label set's tally and three additions; the tallies reach prometheus-client once per event-loop turn.
Labels come only from bounded sets (route kinds, the agent's own method table, HTTP statuses), never
from the raw path.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

disable_created_metrics()  # `_created` series double the exposition and no dashboard here needs them

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# From a cached Accept (~0.1 ms) to a client giving up (10 s).
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
_FLUSH_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)

REQUESTS = Counter(
    "sodiary_http_requests", "HTTP requests answered, by route kind, HTTP method, agent method and status",
    ["kind", "method", "agent_method", "status"],
)
LATENCY = Histogram(
    "sodiary_http_request_duration_seconds", "Time from the request's arrival to the end of its answer",
    ["kind", "agent_method"], buckets=_LATENCY_BUCKETS,
)
AUTH_FAILURES = Counter(
    "sodiary_auth_failures", "API calls refused with 401, by reason", ["reason"],
)
AUTH_THROTTLED = Counter(
    "sodiary_auth_throttled", "Authentication attempts refused with 429 after too many failures",
)
GROUP_COMMIT_BATCH = Histogram(
    "sodiary_group_commit_batch_units", "Units of work committed together in one SQLite transaction",
    buckets=_BATCH_BUCKETS,
)
GROUP_COMMIT_FLUSH = Histogram(
    "sodiary_group_commit_flush_seconds", "Time one fdatasync of the SQLite WAL took", buckets=_FLUSH_BUCKETS,
)
POOL_SIZE = Gauge(
    "sodiary_db_pool_size", "Database connections each process may hold, summed over the live processes",
    multiprocess_mode="livesum",
)
POOL_IN_USE = Gauge(
    "sodiary_db_pool_in_use", "Database connections checked out now, summed over the live processes",
    multiprocess_mode="livesum",
)
OUTBOX_MESSAGES = Gauge(
    "sodiary_outbox_messages", "Outbox messages by kind and status, as the delivery worker last counted them",
    ["kind", "status"], multiprocess_mode="livemax",  # every process counts the same table
)
OUTBOX_DELIVERIES = Counter(
    "sodiary_outbox_deliveries_total",
    "Delivery attempts by kind and outcome (sent; retry: a temporary failure; failed: a permanent refusal; "
    "discarded: a webhook event dropped uncalled because its webhook was stopped or deleted)",
    ["kind", "outcome"],
)

_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _Tally:
    """One label set's requests since the last flush: a count, a sum and a count per latency bucket."""

    __slots__ = ("requests", "latency", "count", "total", "buckets")

    def __init__(self, requests: Any, latency: Any) -> None:
        self.requests, self.latency = requests, latency
        self.count, self.total = 0, 0.0
        self.buckets = [0] * (len(_LATENCY_BUCKETS) + 1)  # the last one is +Inf


_tallies: dict[tuple[str, str, str, int], _Tally] = {}
_dirty: list[_Tally] = []


def observe_request(kind: str, method: str, agent_method: str, status: int, seconds: float) -> None:
    """Counted here, written to prometheus-client's values once per event-loop turn (`flush_requests`).

    In multiprocess mode every increment is a locked write to a memory-mapped file: three per request
    cost ~7 µs, a tenth of an Accept. Added up over the requests answered in one turn of the loop, they
    cost that once per label set and turn, and a scrape still sees every request answered before it.
    """
    key = (kind, method, agent_method, status)
    tally = _tallies.get(key)
    if tally is None:
        verb = method if method in _HTTP_METHODS else "other"  # a client's invented verb is no new series
        tally = _tallies[key] = _Tally(REQUESTS.labels(kind, verb, agent_method, str(status)),
                                       LATENCY.labels(kind, agent_method))
    if not tally.count:
        if not _dirty:
            try:
                asyncio.get_running_loop().call_soon(flush_requests)
            except RuntimeError:  # no loop: nothing would flush later
                _dirty.append(tally)
                _add(tally, seconds)
                flush_requests()
                return
        _dirty.append(tally)
    _add(tally, seconds)


def _add(tally: _Tally, seconds: float) -> None:
    tally.count += 1
    tally.total += seconds
    tally.buckets[bisect_left(_LATENCY_BUCKETS, seconds)] += 1  # le: the first bound not below it


def flush_requests() -> None:
    # prometheus-client has no call for "n observations with this sum"; its histogram keeps one value per
    # bucket (not cumulative) and one for the sum, which is what its own observe() increments.
    for tally in _dirty:
        tally.requests.inc(tally.count)
        tally.latency._sum.inc(tally.total)
        for index, count in enumerate(tally.buckets):
            if count:
                tally.latency._buckets[index].inc(count)
                tally.buckets[index] = 0
        tally.count, tally.total = 0, 0.0
    _dirty.clear()


def auth_failure(reason: str) -> None:
    """A 401 on an API call; `reason` is the message key (a fixed set in the code, never client text)."""
    AUTH_FAILURES.labels(reason).inc()


def auth_throttled() -> None:
    AUTH_THROTTLED.inc()


def outbox_counted(counts: dict[tuple[str, str], int]) -> None:
    """The outbox's depth: pending messages are the queue, failed ones need an operator (`sodiary mail`)."""
    for (kind, status), count in counts.items():
        OUTBOX_MESSAGES.labels(kind, status).set(count)


def outbox_delivered(kind: str, outcome: str) -> None:
    OUTBOX_DELIVERIES.labels(kind, outcome).inc()


class GroupCommitObserver:
    """Installed as store.group_commit.observer when metrics are on."""

    def batch(self, units: int) -> None:
        GROUP_COMMIT_BATCH.observe(units)

    def flushed(self, seconds: float) -> None:
        GROUP_COMMIT_FLUSH.observe(seconds)


def instrument_pool(engine: Any) -> None:
    """Count the engine's checked-out connections (SQLAlchemy pool events).

    On SQLite the group-commit writer and the checkpointer each hold one for the process's life.
    """
    from sqlalchemy import event

    size = getattr(engine.pool, "size", None)
    POOL_SIZE.set(size() if callable(size) else 0)
    event.listen(engine, "checkout", lambda *_args: POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_args: POOL_IN_USE.dec())


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def render() -> bytes:
    """The text exposition of this process, or of every worker in multiprocess mode."""
    flush_requests()
    if not multiprocess():
        return generate_latest(REGISTRY)
    from prometheus_client import multiprocess as mp

    directory = os.environ[MULTIPROC_ENV]
    _forget_dead_workers(directory, mp)
    registry = CollectorRegistry()
    mp.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


def _forget_dead_workers(directory: str, mp: Any) -> None:
    """A worker that died (and was replaced) leaves its gauge files: its pool is no longer in use.

    Counters and histograms keep its files on purpose: what it answered was answered.
    """
    for name in os.listdir(directory):
        if not name.startswith("gauge_livesum_"):
            continue
        try:
            pid = int(name.removeprefix("gauge_livesum_").removesuffix(".db"))
            os.kill(pid, 0)
        except ProcessLookupError:
            mp.mark_process_dead(pid, directory)
        except (ValueError, PermissionError):
            continue


@contextlib.contextmanager
def multiprocess_dir() -> Iterator[str]:
    """A fresh directory for the workers' values, named in the environment the workers inherit."""
    directory = tempfile.mkdtemp(prefix="sodiary-metrics-")
    previous = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous
        shutil.rmtree(directory, ignore_errors=True)

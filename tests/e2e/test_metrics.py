"""GET /metrics: Prometheus text that prometheus-client's own parser reads, counting what the server answered."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.test_workers import _wait_for, _workers_of
from tests.support.databases import BACKENDS, fresh_database
from tests.support.seed import Seeder
from tests.support.server import DEMO_PASSWORDS, LiveServer

ACCEPT = "/api/v1/Agents/Appointment/Accept"
TOKEN = "scrape-me-0123456789abcdef"


def scrape(server: LiveServer, token: str | None = None) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample by (name, labels); a new connection, so with several workers any of them may answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(server.url + "/metrics", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def accepts(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], status: str = "204") -> float:
    labels = frozenset({"kind": "agent", "method": "POST", "agent_method": "Accept", "status": status}.items())
    return samples.get(("sodiary_http_requests_total", labels), 0.0)


def accept(server: LiveServer, appointment_id: int, password: str | None = None) -> int:
    auth = ("tje0", password or DEMO_PASSWORDS["tje0"])
    with httpx.Client(base_url=server.url, auth=auth, timeout=30) as client:  # a new connection each time
        return client.post(ACCEPT, json={"AppointmentId": appointment_id}).status_code


@pytest.fixture(scope="module")
def token_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with fresh_database(backend, tmp_path_factory.mktemp("db")) as url:
        live = LiveServer(url, tmp_path_factory.mktemp("log") / "server.log", env={"SODIARY_METRICS": TOKEN}).start()
        try:
            yield live
        finally:
            live.stop()


def test_an_accept_is_counted_once_by_agent_method_and_status(server: LiveServer, seed: Seeder) -> None:
    invitation = seed.booking().children["tje0"]
    before = accepts(scrape(server))
    assert accept(server, invitation) == 204
    after = scrape(server)
    assert accepts(after) == before + 1
    latency = frozenset({"kind": "agent", "agent_method": "Accept"}.items())
    assert after[("sodiary_http_request_duration_seconds_count", latency)] >= before + 1


def test_an_unknown_agent_method_is_counted_as_unknown_not_by_its_name(server: LiveServer) -> None:
    with server.client("tje0") as client:
        assert client.post("/api/v1/Agents/Appointment/NoSuchMethod42", json={}).status_code == 404
    names = {dict(labels).get("agent_method") for (_name, labels) in scrape(server)}
    assert "unknown" in names
    assert "NoSuchMethod42" not in names


def test_a_wrong_password_is_counted_as_an_authentication_failure(server: LiveServer, seed: Seeder) -> None:
    failures = ("sodiary_auth_failures_total", frozenset({"reason": "bad_credentials"}.items()))
    before = scrape(server).get(failures, 0.0)
    assert accept(server, seed.booking().children["tje0"], password="wrong") == 401
    assert scrape(server)[failures] == before + 1


def test_the_database_pool_and_on_sqlite_the_group_commit_are_measured(
    server: LiveServer, seed: Seeder, backend: str
) -> None:
    assert accept(server, seed.booking().children["tje0"]) == 204
    samples = scrape(server)
    assert samples[("sodiary_db_pool_size", frozenset())] > 0
    assert ("sodiary_db_pool_in_use", frozenset()) in samples
    if backend == "sqlite":
        assert samples[("sodiary_group_commit_batch_units_count", frozenset())] >= 1
        assert samples[("sodiary_group_commit_flush_seconds_count", frozenset())] >= 1


def test_metrics_with_a_token_refuse_a_scrape_without_it(token_server: LiveServer) -> None:
    response = httpx.get(token_server.url + "/metrics", timeout=10)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    wrong = httpx.get(token_server.url + "/metrics", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401


def test_metrics_with_a_token_answer_a_scrape_that_sends_it(token_server: LiveServer) -> None:
    assert accept(token_server, 685) == 204
    assert accepts(scrape(token_server, TOKEN)) == 1


@pytest.mark.parametrize("engine", BACKENDS)
def test_metrics_that_are_off_are_not_served(engine: str, tmp_path: Path) -> None:
    with fresh_database(engine, tmp_path) as url:
        live = LiveServer(url, tmp_path / "server.log", env={"SODIARY_METRICS": "off"}).start()
        try:
            assert httpx.get(live.url + "/metrics", timeout=10).status_code == 404
            assert accept(live, 685) == 204
        finally:
            live.stop()


@pytest.mark.parametrize("engine", BACKENDS)
def test_two_workers_report_the_sum_of_both_on_every_scrape_and_leave_no_files_behind(
    engine: str, tmp_path: Path
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with fresh_database(engine, tmp_path) as url:
        live = LiveServer(url, tmp_path / "server.log", args=["--workers", "2"], env={"TMPDIR": str(scratch)}).start()
        seed = Seeder(url)
        try:
            ids = [seed.booking().children["tje0"] for _ in range(20)]
            assert [accept(live, i) for i in ids] == [204] * len(ids)
            # Each scrape is a new connection, which the kernel hands to either worker.
            totals = {accepts(scrape(live)) for _ in range(10)}
            assert totals == {len(ids)}, live.log()
            assert [p.name for p in scratch.iterdir()] != [], "the workers' metrics live in the server's own directory"
        finally:
            seed.close()
            live.stop()
        assert list(scratch.iterdir()) == [], "the metrics directory is removed when the server stops"
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None


@pytest.mark.parametrize("engine", BACKENDS)
def test_a_throttled_login_attempt_is_counted(engine: str, tmp_path: Path) -> None:
    with fresh_database(engine, tmp_path) as url:
        live = LiveServer(url, tmp_path / "server.log", env={"SODIARY_AUTH_FAILURES_PER_USER": "2"}).start()
        try:
            statuses = [accept(live, 685, password="wrong") for _ in range(3)]
            assert statuses == [401, 401, 429]
            samples = scrape(live)
            assert samples[("sodiary_auth_throttled_total", frozenset())] == 1
            assert samples[("sodiary_auth_failures_total", frozenset({"reason": "bad_credentials"}.items()))] == 2
        finally:
            live.stop()


def test_a_replaced_worker_leaves_the_pool_gauges_of_the_live_workers_only(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with fresh_database("sqlite", tmp_path) as url:
        live = LiveServer(url, tmp_path / "server.log", args=["--workers", "2"], env={"TMPDIR": str(scratch)}).start()

        def reported(pid: int) -> bool:
            return any(scratch.glob(f"sodiary-metrics-*/gauge_livesum_{pid}.db"))

        try:
            assert live.process is not None
            supervisor = live.process.pid
            assert _wait_for(lambda: len(_workers_of(supervisor)) == 2)
            assert _wait_for(lambda: all(reported(w) for w in _workers_of(supervisor)))
            pool = ("sodiary_db_pool_size", frozenset())
            two_workers = scrape(live)[pool]
            assert two_workers > 0
            victim = min(_workers_of(supervisor))
            os.kill(victim, signal.SIGKILL)
            assert _wait_for(lambda: len(_workers_of(supervisor) - {victim}) == 2), live.log()
            assert _wait_for(lambda: all(reported(w) for w in _workers_of(supervisor)))
            # A worker's gauge file exists from its import on, before it has set its pool size: wait for that.
            assert _wait_for(lambda: scrape(live)[pool] == two_workers), "the live workers' pools are counted"
            assert not any(scratch.glob(f"sodiary-metrics-*/gauge_livesum_{victim}.db")), "the dead one's is not"
        finally:
            live.stop()


@pytest.mark.parametrize("engine", BACKENDS)
def test_a_delivered_confirmation_is_counted_and_the_outbox_depth_reported(engine: str, tmp_path: Path) -> None:
    from tests.e2e.test_mail_crash import confirm_all

    with fresh_database(engine, tmp_path) as url:
        env = {"SODIARY_MAIL_DIR": str(tmp_path / "mail"), "SODIARY_OUTBOX_POLL_SECONDS": "0.2"}
        live = LiveServer(url, tmp_path / "server.log", env=env).start()
        seed = Seeder(url)
        try:
            confirm_all(live, seed.bookings(2))
            sent = ("sodiary_outbox_deliveries_total", frozenset({"kind": "mail", "outcome": "sent"}.items()))
            assert _wait_for(lambda: scrape(live).get(sent) == 2), live.log()
            depth = {status: ("sodiary_outbox_messages", frozenset({"kind": "mail", "status": status}.items()))
                     for status in ("pending", "sent", "failed")}
            assert _wait_for(lambda: [scrape(live).get(depth[s]) for s in depth] == [0, 2, 0]), live.log()
        finally:
            live.stop()
            seed.close()


def test_requests_added_up_in_one_loop_turn_read_as_the_same_histogram_as_one_by_one() -> None:
    import asyncio

    from prometheus_client import CollectorRegistry, Histogram

    from sodiary import metrics

    durations = [0.0001, 0.0005, 0.0007, 0.003, 0.003, 0.2, 30.0]

    def series(name: str) -> dict[str, float]:
        return {s.name + repr(sorted(s.labels.items())): s.value
                for m in metrics.REGISTRY.collect() if m.name == name for s in m.samples
                if s.labels.get("agent_method") == "TurnTest"}

    async def one_turn() -> None:
        for d in durations:
            metrics.observe_request("agent", "POST", "TurnTest", 204, d)

    asyncio.run(one_turn())
    metrics.flush_requests()
    reference = Histogram("turn_reference", "one observe per request", buckets=metrics._LATENCY_BUCKETS,
                          registry=CollectorRegistry())
    for d in durations:
        reference.observe(d)
    ours = series("sodiary_http_request_duration_seconds")
    expected = {s.name.replace("turn_reference", "sodiary_http_request_duration_seconds") + repr(sorted(
        {**s.labels, "kind": "agent", "agent_method": "TurnTest"}.items())): s.value
        for m in reference.collect() for s in m.samples}
    assert ours == pytest.approx(expected)
    counted = series("sodiary_http_requests")
    assert list(counted.values()) == [len(durations)]

"""The Accept benchmark's pure helpers (bench/accept.py), so the bench does not rot. No timing; the only
load is one second of the native open-loop client (bench/openloop.c) against a server of the test's own."""

from __future__ import annotations

import shutil
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from bench import accept
from bench.accept import Measurement, WrkResult

from tests.support.databases import fresh_database

# Real `wrk --latency` output from a run of the generated script, with a 404 and a socket error added.
WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:8765/api/v1/Agents/Appointment/Accept
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    48.92ms   30.18ms 166.59ms   89.49%
    Req/Sec     1.45k   590.57     2.59k    71.43%
  Latency Distribution
     50%  837.00us
     75%   58.96ms
     90%   80.94ms
     99%    1.63s
  4192 requests in 3.03s, 524.00KB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 1
Requests/sec:   1383.88
Transfer/sec:    172.99KB
wrk-status 204 4191
wrk-status 404 1
"""


def test_parse_wrk_reads_throughput_latency_percentiles_and_our_status_lines() -> None:
    r = accept.parse_wrk(WRK_OUTPUT)
    assert (r.requests, r.seconds, r.rps) == (4192, 3.03, 1383.88)
    assert r.p50_ms == pytest.approx(0.837)
    assert r.p99_ms == pytest.approx(1630.0)
    assert r.non_2xx == 1
    assert r.socket_errors == {"connect": 0, "read": 2, "write": 0, "timeout": 1}
    assert r.statuses == {204: 4191, 404: 1}
    assert r.ok == 4191


def test_parse_wrk_refuses_output_without_figures() -> None:
    with pytest.raises(ValueError):
        accept.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


@pytest.mark.parametrize(("text", "ms"), [("812.00us", 0.812), ("1.23ms", 1.23), ("2.01s", 2010.0), ("1.00m", 60000.0)])
def test_duration_ms_understands_wrks_units(text: str, ms: float) -> None:
    assert accept.duration_ms(text) == pytest.approx(ms)


def test_lua_script_posts_distinct_ids_from_the_start_offset_with_the_clients_headers() -> None:
    script = accept.lua_script(
        first_id=50717, start=65, threads=2, path=accept.ACCEPT_PATH,
        headers={"Authorization": accept.basic_auth("tje0", "Tje0"), "Content-Type": 'application/json; x="1"'},
    )
    assert 'wrk.method = "POST"' in script
    assert 'wrk.path = "/api/v1/Agents/Appointment/Accept"' in script
    assert 'wrk.headers["Authorization"] = "Basic dGplMDpUamUw"' in script  # the seed's sample credentials
    assert 'wrk.headers["Content-Type"] = "application/json; x=\\"1\\""' in script
    assert "local first_id = 50717" in script
    assert "local start = 65" in script
    assert "local stride = 2" in script
    assert """'{"AppointmentId": ' .. id .. ', "UpdateMode": "OnlyThis"}'""" in script
    assert "wrk-status %d %d" in script


def test_rss_is_read_from_proc_status_in_mib() -> None:
    assert accept.rss_mib("Name:\tpython\nVmRSS:\t   68080 kB\nVmSwap:\t0 kB\n") == pytest.approx(66.484375)


def _measurement(run_204: int, rows: int) -> Measurement:
    run = WrkResult(requests=run_204, seconds=3, rps=run_204 / 3, p50_ms=1, p99_ms=2, statuses={204: run_204})
    warmup = WrkResult(requests=10, seconds=1, rps=10, p50_ms=1, p99_ms=2, statuses={204: 10})
    return Measurement("sodiary", run, warmup, rows, rss_mib=60, connections=4, first_status=204, first_ms=5)


def test_verification_allows_requests_in_flight_at_the_stops_but_no_lost_write() -> None:
    assert _measurement(100, rows=111).verified  # 1 + 10 + 100 answered
    assert _measurement(100, rows=111 + 8).verified  # plus 4 in flight at each of two stops
    assert not _measurement(100, rows=110).verified  # a 204 whose write is missing
    assert not _measurement(100, rows=111 + 9).verified
    assert not _measurement(0, rows=11).verified  # nothing measured


def test_the_logins_before_the_warm_up_count_as_answers() -> None:
    m = _measurement(100, rows=111 + 11)
    assert not m.verified  # 11 more rows than 204s seen...
    with_logins = Measurement(m.name, m.result, m.warmup, m.accepted_rows, m.rss_mib, m.connections,
                              m.first_status, m.first_ms, logins_204=11)
    assert with_logins.verified  # ...are the 11 logins sent alone before the warm-up
    assert with_logins.responses_204 == 1 + 11 + 10 + 100


def test_memory_is_summed_over_a_process_and_its_workers() -> None:
    import os
    import subprocess

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        tree = accept.process_tree(os.getpid())
        assert tree[0] == os.getpid()
        assert child.pid in tree
    finally:
        child.kill()
        child.wait()


# ---- the suite's helpers (bench/run.py and its sections) -----------------------------------------
# The suite's modules import each other by plain name, as `python bench/run.py` puts bench/ first on
# sys.path; do the same here.

sys.path.append(str(Path(accept.__file__).parent))

import bigdb  # noqa: E402
import open_loop  # noqa: E402
import pgscale  # noqa: E402
import radicale_peer  # noqa: E402
import run  # noqa: E402


def test_the_last_line_names_both_ratios_with_two_decimals() -> None:
    assert run.last_line(2.034, 48.1) == "accept/reference = 2.03, accept/radicale = 48.10"


def test_the_last_line_says_n_a_for_a_ratio_that_was_not_measured() -> None:
    assert run.last_line(0.5, None) == "accept/reference = 0.50, accept/radicale = n/a"


def test_median_ratio_is_the_median_of_per_round_ratios_ignoring_empty_denominators() -> None:
    assert run.median_ratio([(200, 100), (300, 100), (100, 100), (5, 0)]) == 2.0
    assert run.median_ratio([]) is None


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert open_loop.percentile(values, 50) == 50.0
    assert open_loop.percentile(values, 99) == 99.0
    assert open_loop.percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        open_loop.percentile([], 50)


def test_open_loop_request_carries_length_host_and_headers() -> None:
    raw = open_loop.http_request("POST", "/x", {"Authorization": "Basic a"}, b'{"A": 1}')
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.split(b"\r\n") == [b"POST /x HTTP/1.1", b"Host: 127.0.0.1", b"Content-Length: 8",
                                   b"Authorization: Basic a"]
    assert body == b'{"A": 1}'


def test_parse_head_reads_status_and_content_length_in_any_case() -> None:
    assert open_loop.parse_head(b"HTTP/1.1 204 No Content\r\nserver: uvicorn\r\n\r\n") == (204, 0)
    assert open_loop.parse_head(b"HTTP/1.1 404 Not Found\r\ncontent-LENGTH: 17\r\n\r\n") == (404, 17)
    with pytest.raises(ValueError):
        open_loop.parse_head(b"garbage\r\n\r\n")


def test_radicale_event_changes_only_the_attendees_partstat() -> None:
    before = radicale_peer.event("ev7", "NEEDS-ACTION")
    after = radicale_peer.event("ev7", "ACCEPTED")
    assert "UID:ev7\r\n" in after
    assert after == before.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED")
    cal = radicale_peer.calendar([before])
    assert cal.startswith("BEGIN:VCALENDAR\r\n") and cal.endswith("END:VCALENDAR\r\n")


def test_radicale_script_puts_distinct_accepted_events_under_the_collection() -> None:
    script = radicale_peer.lua_script(start=70, threads=1, headers=radicale_peer.HEADERS)
    assert 'wrk.method = "PUT"' in script
    assert "local start = 70" in script
    assert '"/bench/accept/" .. uid .. ".ics"' in script
    assert "PARTSTAT=ACCEPTED" in script and "NEEDS-ACTION" not in script
    assert "\r" not in script  # CRLFs of the iCalendar body are Lua escapes, not raw bytes
    assert "wrk-status %d %d" in script


def test_radicale_config_serves_loopback_without_auth_on_the_given_storage() -> None:
    conf = radicale_peer.config(Path("/tmp/store"), 5555)
    assert "hosts = 127.0.0.1:5555" in conf
    assert "type = none" in conf
    assert "filesystem_folder = /tmp/store" in conf


def test_filler_rows_fill_every_column_with_distinct_ids_and_self_mothers() -> None:
    rows = list(bigdb.filler_rows(1000, 3, datetime(2020, 1, 1, 8)))
    assert all(len(r) == len(bigdb.FILLER_COLUMNS) for r in rows)
    ids = [r[bigdb.FILLER_COLUMNS.index("appointment_id")] for r in rows]
    mothers = [r[bigdb.FILLER_COLUMNS.index("mother_id")] for r in rows]
    assert ids == mothers == [1000, 1001, 1002]
    assert rows[0][bigdb.FILLER_COLUMNS.index("start_date")] == "2020-01-01 08:00:00.000000"


def test_pg_database_url_replaces_only_the_database_name() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/postgres"
    assert pgscale.database_url(url, "bench_1") == "postgresql://postgres@127.0.0.1:5432/bench_1"


def test_pg_accepted_rows_are_counted_in_the_slice_a_run_used(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        first = accept.prepare_url(url, 6)
        with pgscale._connect(url) as conn:
            conn.execute("UPDATE appointment SET status = 1, type = 1 WHERE appointment_id IN (%s, %s, %s)",
                         (first + 1, first + 2, first + 5))
        assert pgscale.count_accepted(url, first + 2, first + 5) == 2
        assert pgscale.count_accepted(url, first, first + 5) == 3


PGBENCH_OUTPUT = """\
pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: /tmp/answer.pgbench
scaling factor: 1
query mode: prepared
number of clients: 64
number of threads: 1
maximum number of tries: 1
duration: 10 s
number of transactions actually processed: 63012
number of failed transactions: 0 (0.000%)
latency average = 10.153 ms
initial connection time = 95.220 ms
tps = 6303.481220 (without initial connection time)
"""


def test_parse_pgbench_reads_the_rate_and_the_transactions_done() -> None:
    assert pgscale.parse_pgbench(PGBENCH_OUTPUT) == (6303.481220, 63012)
    with pytest.raises(RuntimeError):
        pgscale.parse_pgbench("pgbench: error: connection to server failed")


def test_pgbench_answers_a_fresh_invitation_in_every_transaction(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        first = accept.prepare_url(url, 20)
        done = pgscale.run_pgbench(url, url.rsplit("/", 1)[1], first + 2, 3, 0, tmp_path, transactions=4)
        assert done.requests == 12
        assert pgscale.count_accepted(url, first, first + 19) == 12
        assert pgscale.count_accepted(url, first + 2, first + 13) == 12
        with pgscale._connect(url) as conn:
            row = conn.execute("SELECT count(DISTINCT appointment_id), count(*) FROM answer_history").fetchone()
        assert row == (12, 12)


def test_a_databases_backends_and_their_cpu_are_found_in_proc(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url, pgscale._connect(url) as conn:
        name = url.rsplit("/", 1)[1]
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert backend is not None and backend[0] in pgscale.postgres_pids(name)
        assert backend[0] not in pgscale.postgres_pids(name + "_other")
        assert pgscale.process_ticks([backend[0]]) >= 0
        assert pgscale.process_ticks([2**22 + 7]) == 0  # gone: counts nothing


def test_engine_report_prints_both_ratios_and_the_cpu_per_accept() -> None:
    def side(name: str, rps: float, own: float | None, pg: float | None) -> pgscale.Costed:
        return pgscale.Costed(name, rps, int(rps * 10), own, pg)

    rounds = [pgscale.EngineRound(side("sqlite-1w", 8000, 100, None), side("pg-1w", 4000, 180, 90),
                                  side("pgbench", 5000, None, None)),
              pgscale.EngineRound(side("sqlite-1w", 9000, 110, None), side("pg-1w", 6000, 200, 80),
                                  side("pgbench", 6000, None, None))]
    lines = pgscale.engine_report(rounds)
    assert "postgresql accept/pgbench = 0.90" in lines  # median of 0.80 and 1.00
    assert "postgresql/sqlite = 0.58" in lines  # median of 0.50 and 0.67
    assert lines[-1] == ("CPU per Accept: sodiary on postgresql 190 µs, on sqlite 105 µs "
                         "(postgresql/sqlite = 1.81); PostgreSQL 85 µs")


def test_idle_share_is_idle_ticks_over_all_ticks_between_two_readings() -> None:
    assert accept.idle_between((100, 1000), (150, 1200)) == 25.0
    assert accept.idle_between((100, 1000), (100, 1000)) == 0.0
    idle, total = accept.cpu_times()
    assert 0 <= idle <= total


def test_quick_plan_is_smaller_than_the_full_one() -> None:
    quick, full = run.plan(run.parse_args(["--quick"])), run.plan(run.parse_args([]))
    assert (quick.opts.duration, quick.rounds, quick.big_rows) == (3, 1, 200_000)
    assert (full.opts.duration, full.rounds, full.big_rows) == (10, 3, 1_000_000)
    assert run.plan(run.parse_args(["--quick", "--rows", "5000"])).big_rows == 5000


# ---- the native open-loop client (bench/openloop.c) ----------------------------------------------

NATIVE_OUTPUT = """\
requests 6
completed 5
errors 1
seconds 0.712345
status 204 4
status 404 1
cpu 0.031250
latency_us
812
1500
95
20000
640
"""


def test_parse_native_output_reads_counts_statuses_cpu_and_latencies_in_ms() -> None:
    r = open_loop.parse_native_output(NATIVE_OUTPUT, rate=8.0)
    assert (r.rate, r.requests, r.errors) == (8.0, 6, 1)
    assert r.seconds == pytest.approx(0.712345)
    assert r.client_cpu_seconds == pytest.approx(0.03125)
    assert r.statuses == {204: 4, 404: 1}
    assert r.latencies_ms == pytest.approx([0.812, 1.5, 0.095, 20.0, 0.64])
    assert r.achieved == pytest.approx(5 / 0.712345)


def test_parse_native_output_refuses_truncated_output() -> None:
    with pytest.raises(ValueError):
        open_loop.parse_native_output(NATIVE_OUTPUT.replace("\n640\n", "\n"), rate=8.0)  # 4 latencies for 5
    with pytest.raises(ValueError):
        open_loop.parse_native_output("openloop: cannot resolve nowhere\n", rate=8.0)


def test_native_template_is_the_head_a_blank_line_and_the_body() -> None:
    template = open_loop.native_template(open_loop.request_head("POST", "/x", {"A": "b"}), '{"Id": {id}}')
    assert template == b'POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nA: b\r\n\r\n{"Id": {id}}'


class _RecordingHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1: records each request's path and body, answers 204."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.path, body))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.skipif(shutil.which("gcc") is None, reason="no gcc to build bench/openloop.c")
def test_native_client_sends_every_request_with_its_own_id_and_reads_every_answer(tmp_path: Path) -> None:
    binary = open_loop.build_native(tmp_path)
    assert binary is not None
    seen: list[tuple[str, bytes]] = []
    handler = type("Handler", (_RecordingHandler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        first_id = 9950  # the ids cross from 4 to 5 digits: Content-Length changes on the way
        r = open_loop.run_native(binary, "127.0.0.1", server.server_address[1], 200, 1.0,
                                 open_loop.request_head("POST", "/accept/{id}", {"Content-Type": "application/json"}),
                                 '{"AppointmentId": {id}, "UpdateMode": "OnlyThis"}', first_id, max_connections=8)
    finally:
        server.shutdown()
        server.server_close()
    assert r.requests == len(r.latencies_ms) == 200
    assert r.errors == 0
    assert r.statuses == {204: 200}
    ids = range(first_id, first_id + 200)
    assert sorted(seen) == sorted(
        (f"/accept/{i}", b'{"AppointmentId": %d, "UpdateMode": "OnlyThis"}' % i) for i in ids)


def test_the_mail_ratio_compares_answers_per_second_and_flags_a_run_that_ran_out_of_invitations() -> None:
    from bench import mail

    def run(path: str, answered: int, not_found: int) -> mail.Run:
        total = answered + not_found
        result = WrkResult(requests=total, seconds=3.0, rps=total / 3.0, p50_ms=5.0, p99_ms=9.0,
                           statuses={204: answered, **({404: not_found} if not_found else {})})
        return mail.Run(path, result, accepted=answered, queued=0)

    # Plain Accept ran past its last invitation: 12 000 of its responses were cheap 404s.
    plain = run(mail.ACCEPT, 27_000, 12_000)
    email = run(mail.WITH_EMAIL, 30_000, 0)
    lines = mail.report([(plain, email)])
    assert any("12000 of 39000 responses were not 204" in line for line in lines)
    assert lines[-1].startswith("AcceptWithEmailConfirmation / Accept = 1.11 ")

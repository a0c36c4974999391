"""The Accept benchmark's pure helpers (bench/accept.py), so the bench does not rot. No load, no timing."""

from __future__ import annotations

import pytest
from bench import accept
from bench.accept import Measurement, WrkResult

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

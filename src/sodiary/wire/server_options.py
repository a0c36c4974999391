"""The HTTP server around the application: limits, timeouts, the connection cap and graceful shutdown.

uvicorn's httptools protocol buffers a request head of any size and waits for it forever; a limit or
timeout in the ASGI app comes too late, because the app is only called once the head is complete. So
the limits live here, in a small subclass of that protocol (issue 12, items 2 and 7):

- the request line and headers together at most `SODIARY_MAX_HEADER_BYTES` → 431 and the connection closed;
- the head must arrive within `SODIARY_HEADER_TIMEOUT_SECONDS` of the connection (or of its first byte
  after an idle keep-alive), the body within `SODIARY_BODY_TIMEOUT_SECONDS` of the head → 408 and closed;
- an idle keep-alive connection is closed after `SODIARY_KEEP_ALIVE_SECONDS` (uvicorn's own timer);
- beyond `SODIARY_MAX_CONNECTIONS` open connections a request is answered 503 with `Retry-After`.

These refusals come before the request is parsed, so they are in English and in SuperOffice's error shape.

Graceful shutdown (issue 13): on SIGTERM the listening socket stops answering SYNs, while handshakes
already under way complete; it is closed once none is under way and everything the kernel queued has
been accepted (closing it earlier would reset those clients, whose `connect` had succeeded); an idle
keep-alive connection is given a moment to send its next request, a new one its header timeout as
always; every request read is answered (`Connection: close`) within `SODIARY_SHUTDOWN_GRACE_SECONDS`;
then the application's lifespan ends (the group commit's last batch is durable before its callers were
answered).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import errno
import platform
import resource
import socket
import struct
import sys
import time
from dataclasses import dataclass
from typing import Any

import httptools
import msgspec
from uvicorn import Config, Server
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from sodiary.config import Settings

BACKLOG = 2048
_FD_RESERVE = 64  # descriptors kept for the database, the WAL, logs and the listening sockets
LINGER_SECONDS = 1.0  # how long an idle connection may still send a request once shutdown began


@dataclass(frozen=True)
class TransportLimits:
    max_header_bytes: int = 65_536
    header_timeout: float = 10.0
    body_timeout: float = 30.0


def default_max_connections() -> int:
    """Below the descriptor limit, so that a flood is answered 503 instead of failing in accept()."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 10_000
    return max(16, min(10_000, soft - _FD_RESERVE))


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn.Config arguments `sodiary serve` runs with (the same in every worker)."""
    return dict(
        host=settings.host, port=settings.port, access_log=False, lifespan="on",
        log_level=settings.log_level,
        http=SodiaryProtocol, backlog=BACKLOG, timeout_keep_alive=settings.keep_alive_seconds,
        # uvicorn counts the connection asking: with N allowed, the (N+1)th is the first answered 503.
        limit_concurrency=(settings.max_connections or default_max_connections()) + 1,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )


def limits_of(settings: Settings) -> TransportLimits:
    return TransportLimits(settings.max_header_bytes, settings.header_timeout_seconds, settings.body_timeout_seconds)


class PortTaken(SystemExit):
    """The one line `sodiary serve` prints when it cannot listen."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"sodiary: cannot listen on {host}:{port}: {reason}")


def listen(host: str, port: int, *, reuse_port: bool, backlog: int | None = BACKLOG) -> socket.socket:
    """A listening socket; PortTaken when another process listens there. `backlog=None` binds only: the port is
    ours, but nobody can connect before the application is ready (`run` starts listening).

    SO_REUSEPORT lets the workers of one server share the port, but also lets any other process of the same
    user join them silently, so `sodiary serve` first binds without it (see `probe`)."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise PortTaken(host, port, str(exc)) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT of an earlier run is no conflict
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        if backlog is not None:
            sock.listen(backlog)
    except OSError as exc:
        sock.close()
        reason = "the port is in use (is another server running?)" if exc.errno == errno.EADDRINUSE else str(exc)
        raise PortTaken(host, port, reason) from None
    return sock


def probe(host: str, port: int) -> None:
    """Fail now, with one line, if anything listens on the port — also a server whose sockets use SO_REUSEPORT."""
    listen(host, port, reuse_port=False).close()


def run(app: Any, settings: Settings, options: dict[str, Any], sock: socket.socket) -> None:
    """Serve the application on `sock` until SIGINT/SIGTERM, then shut down gracefully."""
    config = Config(app, **options)
    config.sodiary_limits = limits_of(settings)  # type: ignore[attr-defined]  # read by SodiaryProtocol
    # `sock` is bound, not listening: uvicorn listens once the application has started, so no connection waits
    # in (or is reset with) the queue of a process that is still starting or that dies starting.
    GracefulServer(config).run(sockets=[sock])


# --- the protocol -------------------------------------------------------------------------------------------

_encode = msgspec.json.Encoder().encode


def _error(status: int, reason: str, error_type: str, text: str, extra: tuple[bytes, ...] = ()) -> bytes:
    body = _encode({"Error": True, "ErrorType": error_type, "Message": text, "ErrorMessage": text,
                    "ErrorSource": "sodiary.wire"})
    head = [f"HTTP/1.1 {status} {reason}".encode(), b"content-type: application/json; charset=utf-8",
            b"content-length: " + str(len(body)).encode(), b"connection: close", *extra]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def _head_too_large(limit: int) -> bytes:
    return _error(431, "Request Header Fields Too Large", "RequestHeaderFieldsTooLargeException",
                  f"The request line and headers exceed {limit} bytes")


_HEADER_TIMEOUT = _error(408, "Request Timeout", "RequestTimeoutException",
                         "The request headers did not arrive in time")
_BODY_TIMEOUT = _error(408, "Request Timeout", "RequestTimeoutException", "The request body did not arrive in time")


_BUSY_TEXT = "The server has too many open connections; try again shortly"
_BUSY = _error(503, "Service Unavailable", "ServiceUnavailableException", _BUSY_TEXT, (b"retry-after: 1",))


async def busy(scope: Any, receive: Any, send: Any) -> None:
    """uvicorn's answer beyond the connection cap, in SuperOffice's shape and with Retry-After."""
    head, _, body = _BUSY.partition(b"\r\n\r\n")
    headers = [tuple(line.split(b": ", 1)) for line in head.split(b"\r\n")[1:]]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


MAX_LINGERING = 16
_lingering: collections.deque[SodiaryProtocol] = collections.deque()  # refused connections still reading


class _HeadTooLarge(Exception):
    pass


_HEAD, _BODY, _DONE = 0, 1, 2


class SodiaryProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bounded head, read timeouts and a gentle shutdown.

    The head and body timeouts are deadlines watched by one timer per connection (`_watchdog`), not a timer
    armed and cancelled per phase: a request then costs two clock reads instead of four timer operations
    (a tenth of the protocol's own cost per Accept, measured: docs/performance.md). The watch never fires
    after the deadline it guards: it is set at most `_watch_step` ahead (the shortest timeout), and every
    deadline is set at least that far ahead, so a deadline set while a watch is pending is never earlier
    than the watch; when the watch finds the deadline still ahead, it waits again, for at most the step.
    """

    def __init__(self, config: Config, server_state: Any, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._limits: TransportLimits = getattr(config, "sodiary_limits", TransportLimits())
        self._watch_step = min(self._limits.header_timeout, self._limits.body_timeout)
        self._state = _HEAD
        self._head_raw = 0  # bytes received while the head is incomplete (the parser buffers them)
        self._head_bound = 0  # at least the bytes of the head being parsed: no exact count below the limit
        self._chunk = 0  # the bytes being fed to the parser
        self._deadline: float | None = None  # when the current head or body is late; None: no read awaited
        self._watch: asyncio.TimerHandle | None = None
        self._timer: asyncio.TimerHandle | None = None  # a refused connection's or a draining one's close
        self._draining = False
        self._discarding = False  # refused: the rest of the request is read and dropped
        self._received = False  # any byte yet

    # timers

    def _expect(self, seconds: float) -> None:
        """The head or the body must now arrive within `seconds`."""
        now = self.loop.time()
        self._deadline = now + seconds
        if self._watch is None:
            self._watch = self.loop.call_at(now + min(seconds, self._watch_step), self._watchdog)

    def _watchdog(self) -> None:
        self._watch = None
        deadline = self._deadline
        if deadline is None or self.transport.is_closing():
            return  # nothing awaited: the next read that begins sets the watch again
        now = self.loop.time()
        if now < deadline:
            self._watch = self.loop.call_at(min(deadline, now + self._watch_step), self._watchdog)
        elif self._state == _BODY:
            self._body_timeout()
        else:
            self._header_timeout()

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        self._deadline = None
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _refuse(self, response: bytes) -> None:
        """Answer a request the application never saw, and close.

        The close lingers: what the client still sends is read and dropped for a moment, because closing
        with unread bytes resets the connection, and the reset can destroy the answer before it is read."""
        self._disarm()
        if self.transport.is_closing():
            return
        if self._idle():
            self.transport.write(response)
        self._discarding = True
        try:
            self.transport.write_eof()
        except (NotImplementedError, RuntimeError, OSError):
            self.transport.close()
            return
        self._timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)
        # Each lingering close holds a descriptor: under a flood only the newest few linger, the oldest is
        # closed at once (its client most likely has its answer by now).
        _lingering.append(self)
        while len(_lingering) > MAX_LINGERING:
            oldest = _lingering.popleft()
            oldest._disarm()
            oldest.transport.close()

    def _header_timeout(self) -> None:
        self._deadline = None
        if self._state == _HEAD and (self._head_raw or self._head_bound):
            self._refuse(_HEADER_TIMEOUT)
        elif self._idle() and not self.transport.is_closing():
            self.transport.close()  # connected and silent: nothing to answer

    def _body_timeout(self) -> None:
        self._deadline = None
        if self._state == _BODY and not self.transport.is_closing():
            if self.cycle is not None and not self.cycle.response_started:
                self.transport.write(_BODY_TIMEOUT)
                self.cycle.disconnected = True  # the application reads the end of the request, its answer goes nowhere
                self.cycle.message_event.set()
            self.transport.close()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.limit_concurrency is not None and len(self.connections) >= self.limit_concurrency:
            # Over the cap already: answer now and free the descriptor, rather than hold it until the request
            # head arrives (a flood of half-sent requests would otherwise exhaust the descriptors and leave
            # new clients hanging in the kernel's queue, unanswered).
            self._refuse(_BUSY)
            return
        self._expect(self._limits.header_timeout)
        if getattr(self.server_state, "draining", False):  # accepted while the server drains its accept queue
            self.shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._discarding:
            with contextlib.suppress(ValueError):
                _lingering.remove(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._received = True
        if self._discarding:
            return
        self._unset_keepalive_if_required()
        self._chunk = size = len(data)
        if self._state != _BODY:
            if self._deadline is None:  # the first byte after an idle keep-alive
                self._expect(self._limits.header_timeout)
            self._head_raw += size
            self._head_bound += size
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _HeadTooLarge):
                self._refuse(_head_too_large(self._limits.max_header_bytes))
                return
            self._invalid()
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            self._invalid()
            return
        if self._state == _HEAD and self._head_raw > self._limits.max_header_bytes:
            # One huge header: the parser holds it until its end, so it is cut off here, a read at most past the limit.
            self._refuse(_head_too_large(self._limits.max_header_bytes))

    def _invalid(self) -> None:
        message = "Invalid HTTP request received."
        self.logger.warning(message)
        self._disarm()
        self.send_400_response(message)

    # parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._state = _HEAD
        self._head_bound = self._chunk  # the head begins somewhere in the bytes being fed

    def on_headers_complete(self) -> None:
        # The head's size is added up only when it may be over the limit: not per header, as most heads are
        # far smaller than the bytes that carried them. (A head arriving in pieces is cut off in
        # data_received as soon as its bytes pass the limit.)
        if self._head_bound > self._limits.max_header_bytes and self._head_size() > self._limits.max_header_bytes:
            raise _HeadTooLarge
        self._state = _BODY
        self._head_raw = self._head_bound = 0
        self._expect(self._limits.body_timeout)
        super().on_headers_complete()
        if self._draining and self.cycle is not None:
            self.cycle.keep_alive = False  # answered with Connection: close

    def _head_size(self) -> int:
        """The request line's URL and the headers as received (what SODIARY_MAX_HEADER_BYTES limits)."""
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def on_message_complete(self) -> None:
        self._state = _DONE
        self._deadline = None  # the watch, if pending, finds nothing to do
        super().on_message_complete()

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        super()._start_asgi_task(cycle, busy if app is service_unavailable else app)

    # shutdown

    def shutdown(self) -> None:
        """The server is stopping: finish what was read; give an idle keep-alive connection a moment to send
        its next request (it may be on its way: closing a socket with unread bytes resets it); then close.

        A connection that has sent nothing yet keeps its header timeout, as always: its client connected to
        send a request, and may be slow to (a busy client, a proxy that connects ahead)."""
        self._draining = True
        if not self._idle():
            self.cycle.keep_alive = False
            return
        if self._state == _HEAD and (self._head_raw or self._head_bound):
            return  # a request arriving: it is answered, or the header timeout ends it
        if not self._received:
            return  # its first request: it is answered, or the header timeout closes the connection
        self._arm(LINGER_SECONDS, self._linger_over)

    def _linger_over(self) -> None:
        self._timer = None
        if self._idle() and not (self._state == _HEAD and self._head_raw) and not self.transport.is_closing():
            self.transport.close()


# --- the server ---------------------------------------------------------------------------------------------

_SO_ATTACH_FILTER = 26  # Linux, <asm-generic/socket.h>
_MEMBARRIER_GLOBAL = 1  # membarrier(2) MEMBARRIER_CMD_GLOBAL: returns after an RCU grace period
_SYS_MEMBARRIER = {"x86_64": 324, "aarch64": 283}
_TCP_SYN_RECV = "03"  # the state column of /proc/net/tcp
HANDSHAKE_WAIT_SECONDS = 1.0  # at most this long for handshakes under way when shutdown began (about an RTT)
_POLL_SECONDS = 0.01

# A classic BPF program run on each TCP segment for the listening socket, the TCP header at offset 0:
# a segment with SYN set is dropped, any other kept whole. So no new handshake begins (the client's SYN
# goes unanswered, it retries in a second and then finds the port closed, or another worker), while a
# handshake already under way completes: its final ACK and its data pass.
_DROP_SYN = b"".join(struct.pack("HBBI", *instruction) for instruction in (
    (0x30, 0, 0, 13),  # BPF_LD|BPF_B|BPF_ABS: the flags byte
    (0x45, 0, 1, 0x02),  # BPF_JMP|BPF_JSET|BPF_K: SYN set?
    (0x06, 0, 0, 0),  # BPF_RET|BPF_K: drop
    (0x06, 0, 0, 0xFFFFFFFF),  # BPF_RET|BPF_K: keep the whole segment
))


def _refuse_new_handshakes(sock: Any) -> bool:
    """Attach `_DROP_SYN` to a listening socket; False where that is not possible (not Linux).

    Why: closing a listening socket resets every connection still in its accept queue, and every handshake
    still under way, although those clients may have sent their requests (their `connect` returned when the
    SYN-ACK came). Dropping everything instead of only SYNs would strand the handshakes under way: their
    client believes it is connected and sends its request into the void, then gets a reset. Connections
    accepted from now on inherit the filter, harmlessly (an established connection sends no SYN)."""
    if not sys.platform.startswith("linux"):  # the option number and the program are Linux's
        return False
    program = ctypes.create_string_buffer(_DROP_SYN)
    fprog = struct.pack("HL", len(_DROP_SYN) // 8, ctypes.addressof(program))
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, fprog)
    except (OSError, AttributeError):
        return False
    return True


def _grace_period() -> None:
    """Return once the kernel has finished with every segment it was processing for our port when called.

    The kernel checks a segment against the filter and acts on it (queues a handshake; moves a completed one
    from the handshake table to the accept queue) inside one RCU read-side section, and membarrier's global
    command returns after an RCU grace period: after it, nothing is half-way between the places we look."""
    number = _SYS_MEMBARRIER.get(platform.machine())
    libc = ctypes.CDLL(None, use_errno=True)
    if number is None or libc.syscall(number, _MEMBARRIER_GLOBAL, 0, 0) != 0:
        time.sleep(_POLL_SECONDS)  # no membarrier (e.g. a seccomp profile): those sections last microseconds


def _handshakes_under_way(port: int) -> int | None:
    """Connections to `port` whose SYN was answered and whose final ACK has not arrived (SYN_RECV), over all
    local addresses and all listening sockets on the port (the workers' share it); None if unknown.

    (A client answered with a SYN cookie, when the kernel's handshake table overflowed, is not among them:
    it is only known once its ACK comes.)"""
    suffix = f":{port:04X}"
    count, read = 0, False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):  # either may be missing (no IPv6)
        try:
            with open(table, encoding="ascii") as lines:
                next(lines, None)
                for line in lines:
                    fields = line.split(None, 4)
                    count += fields[3] == _TCP_SYN_RECV and fields[1].endswith(suffix)
        except OSError:
            continue
        read = True
    return count if read else None


class DrainingState(ServerState):
    """uvicorn's server state, and whether the server is shutting down (read by SodiaryProtocol)."""

    draining = False


class GracefulServer(Server):
    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.server_state = DrainingState()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Close the listening sockets only once no handshake is under way and the accept queues are empty.

        New handshakes are refused first (`_refuse_new_handshakes`). Then, every 10 ms, whatever the kernel
        has queued is accepted here, until EAGAIN, and handed to the event loop (the loop's own accepting is
        not enough: uvloop takes a few connections per loop iteration, and a busy loop drains a queue of a
        hundred in seconds). Once no handshake is under way, a last grace period and drain leave nothing that
        could still be queued, and the sockets are closed at once; at the latest after
        `HANDSHAKE_WAIT_SECONDS` (a client gone mid-handshake). Each connection accepted from the start of
        the shutdown is told at once that the server is stopping (`DrainingState`)."""
        assert isinstance(self.server_state, DrainingState)
        self.server_state.draining = True
        listeners = list(sockets or [])
        refusing = bool(listeners)
        for sock in listeners:
            refusing = _refuse_new_handshakes(sock) and refusing
        handovers: list[asyncio.Task[Any]] = []
        if refusing:
            _grace_period()  # every SYN that passed before the filter is now a handshake under way
            port = listeners[0].getsockname()[1]
            grace = self.config.timeout_graceful_shutdown
            loop = asyncio.get_running_loop()
            deadline = loop.time() + (HANDSHAKE_WAIT_SECONDS if grace is None else min(HANDSHAKE_WAIT_SECONDS, grace))
            if _handshakes_under_way(port) is None:  # no /proc: give the handshakes under way a while
                await asyncio.sleep(_POLL_SECONDS * 10)
            while True:
                under_way = _handshakes_under_way(port)
                if not under_way:
                    _grace_period()  # one completing as we looked is in an accept queue now
                handovers += [loop.create_task(self._serve_accepted(conn)) for conn in _accept_queued(listeners)]
                if not under_way or loop.time() >= deadline:
                    break
                await asyncio.sleep(_POLL_SECONDS)
            for server in self.servers:  # nothing can be queued any more: close now, no await since the drain
                server.close()
            for sock in listeners:
                sock.close()
            await asyncio.gather(*handovers, return_exceptions=True)  # each connection is known to the server
        await super().shutdown(sockets)

    async def _serve_accepted(self, conn: socket.socket) -> None:
        def protocol() -> asyncio.Protocol:  # as uvicorn's own `create_protocol` in Server.startup
            return self.config.http_protocol_class(  # type: ignore[call-arg]
                config=self.config, server_state=self.server_state, app_state=self.lifespan.state)

        try:
            await asyncio.get_running_loop().connect_accepted_socket(protocol, conn)
        except OSError:
            conn.close()


def _accept_queued(listeners: list[socket.socket]) -> list[socket.socket]:
    """Accept, without waiting, every connection the kernel has queued on the listening sockets."""
    accepted = []
    for sock in listeners:
        sock.setblocking(False)
        while True:
            try:
                conn, _address = sock.accept()
            except (BlockingIOError, InterruptedError):
                break
            except ConnectionAbortedError:
                continue
            except OSError:  # e.g. out of descriptors: what is still queued is reset when the socket closes
                break
            conn.setblocking(False)
            accepted.append(conn)
    return accepted

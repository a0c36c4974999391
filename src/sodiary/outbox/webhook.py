"""How a webhook call leaves: one signed JSON POST, as SuperOffice's NetServer sends it.

Headers and signature follow SuperOffice's webhook documentation (research §4.3): `X-SuperOffice-Event`,
`X-SuperOffice-EventId`, `X-SuperOffice-Retry`, and `X-SuperOffice-Signature` = base64(HMAC-SHA256(secret,
raw body)) when the webhook has a secret. Only a 200 is success; redirects are not followed (a redirect
could lead the server to a target nobody was allowed to register). Targets are checked against
server-side request forgery before every call, not only at registration: a name may resolve elsewhere later.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from .. import __version__

USER_AGENT = f"NetServer-Webhook/{__version__} (sodiary)"
TIMEOUT_SECONDS = 10.0


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def headers_for(event: str, event_id: str, retry: int, secret: str, body: bytes, own: Mapping[str, str],
                *, test: bool = False) -> dict[str, str]:
    headers = {str(k): str(v) for k, v in own.items()}  # the webhook's own first: ours cannot be overridden
    headers.update({
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-SuperOffice-Event": event,
        "X-SuperOffice-EventId": event_id,
        "X-SuperOffice-Retry": str(retry),
    })
    if secret:
        headers["X-SuperOffice-Signature"] = sign(secret, body)
    if test:
        headers["X-Hook-Test"] = "true"
    return headers


class TargetRefused(Exception):
    """A target URL the server will not call; the message says why (in English, for logs and LastError)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason  # "scheme", "host", "private"


@dataclass(frozen=True)
class TargetPolicy:
    allow_http: bool = False
    allow_private: bool = False


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def check_target(url: str, policy: TargetPolicy) -> None:
    """Refuse what SuperOffice refuses (not https) and what would let a caller reach the server's own network."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("host", f"not a URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and policy.allow_http):
        raise TargetRefused("scheme", f"Webhook TargetUrl must be secure: {url[:200]}")
    if not parts.hostname:
        raise TargetRefused("host", f"no host in {url[:200]}")
    if policy.allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port or (443 if scheme == "https" else 80), type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused("host", f"{parts.hostname} does not resolve: {exc}") from None
    for info in infos:
        if _private(str(info[4][0])):
            raise TargetRefused("private", f"{parts.hostname} resolves to {info[4][0]}, a loopback, private or "
                                           "link-local address")


@dataclass(frozen=True)
class Answer:
    ok: bool
    status: int  # 0: no answer at all
    text: str  # for LastError and WebhookResult.Message


async def post(url: str, body: bytes, headers: Mapping[str, str], policy: TargetPolicy,
               timeout: float = TIMEOUT_SECONDS) -> Answer:
    try:
        await check_target(url, policy)
    except TargetRefused as exc:
        return Answer(False, 0, str(exc))
    try:
        async with httpx.AsyncClient(follow_redirects=False, timeout=timeout, trust_env=False) as client:
            response = await client.post(url, content=body, headers=dict(headers))
    except httpx.HTTPError as exc:
        return Answer(False, 0, f"{type(exc).__name__}: {exc}"[:2000])
    text = f"{response.status_code} {response.reason_phrase}: {response.text[:500]}"
    return Answer(response.status_code == 200, response.status_code, text[:2000])

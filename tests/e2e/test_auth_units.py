"""The pure parts of authentication, without a server: throttle windows, header parsing, key choice, XSRF."""

from __future__ import annotations

import base64

import jwt
import pytest
from starlette.requests import Request

from sodiary.service.context import Caller
from sodiary.service.throttle import address_subject, user_subject, wait_for
from sodiary.service.tickets import digest
from sodiary.wire.auth.bearer import BearerKeys
from sodiary.wire.auth.schemes import AuthFailed, CredentialCache, decode_basic
from sodiary.wire.auth.tokens import check_xsrf
from sodiary.wire.errors import ApiError


def test_throttle_lets_the_limit_through_and_refuses_the_next() -> None:
    assert wait_for([0.0, 1.0], now=1.5, window=60, limit=3) == 0
    assert wait_for([0.0, 1.0, 2.0], now=2.5, window=60, limit=3) == 58  # until the first failure is 60 s old


def test_throttle_frees_the_subject_when_the_window_has_passed() -> None:
    failures = [0.0, 10.0]
    assert wait_for(failures, now=59.0, window=60, limit=2) == 1
    assert wait_for(failures, now=60.0, window=60, limit=2) == 0
    assert wait_for(failures, now=70.0, window=60, limit=2) == 0


def test_throttle_lockout_never_exceeds_the_window_however_many_failures() -> None:
    assert wait_for([n / 100 for n in range(1000)], now=10.0, window=60, limit=3) <= 60


def test_throttle_subjects_ignore_the_case_of_a_name_and_keep_names_and_addresses_apart() -> None:
    assert user_subject("Tje0") == user_subject("tje0")
    assert user_subject("127.0.0.1") != address_subject("127.0.0.1")
    assert len(user_subject("x" * 10_000)) == 64


def test_basic_credentials_decode_and_keep_colons_in_the_password() -> None:
    assert decode_basic(base64.b64encode(b"tje0:a:b").decode()) == ("tje0", "a:b")
    assert decode_basic(base64.b64encode("\u00e5se:\u00f8".encode()).decode()) == ("\u00e5se", "\u00f8")


@pytest.mark.parametrize("credentials", ["!!!", base64.b64encode(b"no-colon").decode(),
                                         base64.b64encode(b":password").decode(), base64.b64encode(b"\xff:x").decode()])
def test_malformed_basic_credentials_are_refused(credentials: str) -> None:
    with pytest.raises(AuthFailed):
        decode_basic(credentials)


def test_bearer_keys_choose_the_algorithm_not_the_token() -> None:
    keys = BearerKeys(secret="s" * 32)
    assert keys.configured
    assert keys.key_for(jwt.encode({"a": 1}, "x" * 32, algorithm="HS256")) == ("s" * 32, "HS256")


@pytest.mark.parametrize("token", [
    jwt.encode({"a": 1}, None, algorithm="none"),
    jwt.encode({"a": 1}, "x" * 64, algorithm="HS512"),
    "eyJhbGciOiJSUzI1NiJ9.e30.x",  # RS256, but no public key is configured
    "not a jwt",
])
def test_bearer_keys_refuse_an_algorithm_without_a_trusted_key(token: str) -> None:
    with pytest.raises(AuthFailed):
        BearerKeys(secret="s" * 32).key_for(token)


def test_bearer_keys_without_configuration_are_not_configured() -> None:
    assert not BearerKeys().configured


def test_the_cache_caps_an_entry_at_the_credentials_own_lifetime() -> None:
    cache = CredentialCache("secret", ttl=300, recheck=5)
    key = cache.key("t")
    cache.put(key, Caller(1, "tje0", "SOTicket"), 1, lifetime=-1)
    assert cache.get(key) is None
    cache.put(key, Caller(1, "tje0", "SOTicket"), 1, lifetime=100)
    entry = cache.get(key)
    assert entry is not None and cache.fresh(entry)


def test_cache_keys_are_keyed_hmacs_not_the_credentials() -> None:
    a, b = CredentialCache("one", 1, 1), CredentialCache("two", 1, 1)
    assert a.key("Basic x") != b.key("Basic x")
    assert b"Basic x" not in a.key("Basic x")


def _request(headers: dict[str, str], cookie: str = "") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if cookie:
        raw.append((b"cookie", cookie.encode()))
    return Request({"type": "http", "method": "POST", "headers": raw, "path": "/", "query_string": b""})


def test_xsrf_needs_header_equal_to_cookie_and_to_the_issued_value() -> None:
    issued = digest("tok")
    check_xsrf(_request({"X-XSRF-TOKEN": "tok"}, "XSRF-TOKEN=tok"), issued)
    refused = [({}, "XSRF-TOKEN=tok"), ({"X-XSRF-TOKEN": "tok"}, ""), ({"X-XSRF-TOKEN": "tok"}, "XSRF-TOKEN=other"),
               ({"X-XSRF-TOKEN": "evil"}, "XSRF-TOKEN=evil")]
    for headers, cookie in refused:
        with pytest.raises(ApiError) as err:
            check_xsrf(_request(headers, cookie), issued)
        assert err.value.status == 403


def test_dropping_an_associate_forgets_all_their_cached_credentials_and_only_theirs() -> None:
    cache = CredentialCache("secret", ttl=300, recheck=5)
    for name, aid in (("basic", 1), ("ticket", 1), ("other", 2)):
        cache.put(cache.key(name), Caller(aid, f"user{aid}", "Basic"), 1)
    cache.drop_associate(1)
    assert cache.get(cache.key("basic")) is None
    assert cache.get(cache.key("ticket")) is None
    assert cache.get(cache.key("other")) is not None

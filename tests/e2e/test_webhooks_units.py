"""The webhook transport's pure parts: SuperOffice's signature, EventIds per cycle, refused targets."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac

import pytest

from sodiary.outbox.webhook import TargetPolicy, TargetRefused, check_target, event_id, headers_for, sign


def test_the_signature_is_base64_of_hmac_sha256_over_the_raw_body_with_the_secret() -> None:
    body = b'{"Event":"activity.changed"}'
    expected = base64.b64encode(hmac.new(b"secret", body, hashlib.sha256).digest()).decode()
    assert sign("secret", body) == expected


def test_a_webhook_without_a_secret_sends_no_signature_and_cannot_override_superoffices_headers() -> None:
    headers = headers_for("activity.created", "id-1", 0, "", b"{}", {"X-SuperOffice-Event": "forged", "X-Mine": "1"})
    assert "X-SuperOffice-Signature" not in headers
    assert headers["X-SuperOffice-Event"] == "activity.created"
    assert headers["X-Mine"] == "1"


def test_the_event_id_stays_within_a_cycle_of_three_attempts_and_changes_with_the_next() -> None:
    ids = [event_id("abc", attempts) for attempts in range(6)]
    assert len(set(ids[:3])) == 1 and len(set(ids[3:])) == 1
    assert ids[0] != ids[3]


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://10.1.2.3/", "https://169.254.169.254/latest",
                                 "https://[::1]/", "https://[::ffff:192.168.0.1]/", "https://localhost/"])
def test_targets_on_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused) as refused:
        asyncio.run(check_target(url, TargetPolicy(allow_http=False, allow_private=False)))
    assert refused.value.reason == "private"


def test_plain_http_is_refused_unless_allowed() -> None:
    with pytest.raises(TargetRefused) as refused:
        asyncio.run(check_target("http://127.0.0.1/", TargetPolicy(allow_http=False, allow_private=True)))
    assert refused.value.reason == "scheme"
    asyncio.run(check_target("http://127.0.0.1/", TargetPolicy(allow_http=True, allow_private=True)))

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


def test_standard_webhooks_signature_matches_the_specifications_reference_vector() -> None:
    from sodiary.outbox.webhook import standard_headers

    headers = standard_headers("msg_p5jXN8AQM9LWM0D4loKWxJek", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                               b'{"test": 2432232314}', 1614265330)
    assert headers == {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
                       "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}


def test_standard_webhooks_headers_are_off_unless_the_webhook_asks_and_the_switch_stays_out_of_the_body() -> None:
    import json
    from datetime import datetime

    from sodiary.outbox.webhook import STANDARD_WEBHOOKS, headers_for, payload
    from sodiary.store.webhooks import Hook

    hook = Hook(webhook_id=1, name="n", events=["activity.created"], target_url="https://example.net/h",
                secret="s", state="Active", type="webhook", properties={STANDARD_WEBHOOKS: True, "tenant": "t1"})
    body = payload(hook, "activity.created", "e1", 5, "activity", [], 1, datetime(2027, 1, 1))
    assert STANDARD_WEBHOOKS not in json.loads(body) and json.loads(body)["tenant"] == "t1"
    assert "webhook-signature" not in headers_for("activity.created", "e1", 0, "s", body, {})
    assert headers_for("activity.created", "e1", 0, "s", body, {}, standard=True)["webhook-id"] == "e1"

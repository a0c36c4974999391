"""Bearer: JWTs from a trusted identity provider (HS256 secret, RS256 public key, ES256 from a JWKS file)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.e2e.accept_support import Unchanged
from tests.e2e.auth_support import RECHECK_NOW, accept, assert_401, cli, new_user
from tests.support.seed import Seeder
from tests.support.server import LiveServer

SECRET = "a-shared-secret-of-at-least-32-bytes!"
ISSUER = "https://idp.example.com"
AUDIENCE = "sodiary"
ASSOCIATE_ID = "http://schemes.superoffice.net/identity/associateid"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    keys = tmp_path_factory.mktemp("keys")
    pem = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (keys / "rsa.pem").write_bytes(pem)
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(EC_KEY.public_key()))
    (keys / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "ec-1", "alg": "ES256", "use": "sig"}]}))
    return {**RECHECK_NOW, "SODIARY_JWT_SECRET": SECRET, "SODIARY_JWT_ISSUER": ISSUER,
            "SODIARY_JWT_AUDIENCE": AUDIENCE, "SODIARY_JWT_PUBLIC_KEY_FILE": str(keys / "rsa.pem"),
            "SODIARY_JWKS_FILE": str(keys / "jwks.json")}


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"sub": "tje0", "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), SECRET, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + token}


def test_an_hs256_token_answers_an_invitation(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        assert accept(c, child, **bearer(hs256())).status_code == 204
    [answer] = seed.history(child)
    assert answer["scheme"] == "Bearer"


def test_an_rs256_token_checked_with_the_public_key_file(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    token = jwt.encode(claims(), RSA_KEY, algorithm="RS256")
    with server.client() as c:
        assert accept(c, child, **bearer(token)).status_code == 204


def test_an_es256_token_checked_with_the_jwks_key_of_its_kid(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    token = jwt.encode(claims(), EC_KEY, algorithm="ES256", headers={"kid": "ec-1"})
    with server.client() as c:
        assert accept(c, child, **bearer(token)).status_code == 204


@pytest.mark.parametrize("as_text", [False, True])
def test_the_superoffice_associateid_claim_names_the_user(server: LiveServer, seed: Seeder, as_text: bool) -> None:
    child = seed.booking(invitees=("ben",)).children["ben"]
    ben = seed.user_id("ben")
    token = hs256(sub="someone-else", **{ASSOCIATE_ID: str(ben) if as_text else ben})
    with server.client() as c:
        assert accept(c, child, **bearer(token)).status_code == 204
    assert seed.history(child)[0]["associate_id"] == ben


def test_an_expired_token_is_401(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c, Unchanged(seed):
        assert_401(accept(c, child, **bearer(hs256(exp=int(time.time()) - 3600))), "expired")


def test_a_tampered_token_is_401(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking(invitees=("ben",)).children["ben"]
    header, _payload, signature = hs256().split(".")
    forged = jwt.utils.base64url_encode(json.dumps(claims(sub="ben")).encode()).decode()
    with server.client() as c, Unchanged(seed):
        assert_401(accept(c, child, **bearer(f"{header}.{forged}.{signature}")))


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(jwt.encode(claims(), "another-secret-of-at-least-32-bytes", algorithm="HS256"), id="wrong-secret"),
        pytest.param(jwt.encode(claims(), rsa.generate_private_key(65537, 2048), algorithm="RS256"), id="wrong-key"),
        pytest.param(jwt.encode(claims(), None, algorithm="none"), id="alg-none"),
        pytest.param(hs256(iss="https://evil.example.com"), id="wrong-issuer"),
        pytest.param(hs256(aud="someone-else"), id="wrong-audience"),
        pytest.param(hs256(exp=None), id="no-expiry"),
        pytest.param(hs256(sub="nobody"), id="unknown-user"),
        pytest.param(hs256(sub=None), id="no-user-claim"),
        pytest.param(hs256(**{ASSOCIATE_ID: "x"}), id="bad-associateid"),
        pytest.param("not-a-jwt", id="garbage"),
    ],
)
def test_a_token_we_cannot_trust_is_401(server: LiveServer, seed: Seeder, token: str) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c, Unchanged(seed):
        assert_401(accept(c, child, **bearer(token)))


def test_an_hs256_token_signed_with_the_public_key_is_401(server: LiveServer, seed: Seeder) -> None:
    # The classic algorithm confusion: the key decides the algorithm, not the token.
    pem = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}').decode()
    payload = jwt.utils.base64url_encode(json.dumps(claims()).encode()).decode()
    signature = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    token = f"{header}.{payload}.{jwt.utils.base64url_encode(signature).decode()}"
    child = seed.booking().children["tje0"]
    with server.client() as c, Unchanged(seed):
        assert_401(accept(c, child, **bearer(token)))


def test_a_disabled_users_token_is_refused_at_once(server: LiveServer, seed: Seeder) -> None:
    user = new_user(server)
    first, second = seed.booking(invitees=(user,)), seed.booking(invitees=(user,))
    token = hs256(sub=user)
    with server.client() as c:
        assert accept(c, first.children[user], **bearer(token)).status_code == 204
        assert cli(server, "user", "disable", user).returncode == 0
        with Unchanged(seed):
            assert_401(accept(c, second.children[user], **bearer(token)))

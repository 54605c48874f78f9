"""Bearer tokens verified with keys from a real JWKS endpoint (how deployed services trust the
identity provider), served over HTTP on 127.0.0.1 by a thread of this test process."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from common.auth import JWKS_UNKNOWN_KID_COOLDOWN_SECONDS, Role, TokenVerifier
from common.errors import AuthenticationError
from common.problems import PROBLEM_MEDIA_TYPE
from common.testing.example.app import ExampleSettings
from common.testing.fixtures import TEST_AUDIENCE, TEST_ISSUER

FUND_ONLY = "/example/v1/fund-only"


@dataclass
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def jwk(self) -> dict[str, Any]:
        public = ECAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "alg": "ES256"}

    def token(self, role: Role, *, kid: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "sub": f"{role.value}:jwks-test",
            "role": role.value,
            "org_ids": [],
            "iss": TEST_ISSUER,
            "aud": TEST_AUDIENCE,
            "iat": now,
            "exp": now + 600,
            **claims,
        }
        return jwt.encode(
            body, self.private_key, algorithm="ES256", headers={"kid": kid or self.kid}
        )


@dataclass
class JwksEndpoint:
    url: str
    fetches: list[str]
    published: list[dict[str, Any]]  # what the endpoint serves from the next fetch on

    def publish(self, *keys: SigningKey) -> None:
        self.published[:] = [key.jwk() for key in keys]


@pytest.fixture
def published_key() -> SigningKey:
    return SigningKey(kid=f"idp-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def jwks(published_key: SigningKey) -> Iterator[JwksEndpoint]:
    """``/.well-known/jwks.json`` publishing ``published_key``; records every fetch."""
    published = [published_key.jwk()]
    fetches: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetches.append(self.path)
            if self.path != "/.well-known/jwks.json":
                self.send_error(404)
                return
            body = json.dumps({"keys": published}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        url = f"http://{host}:{port}/.well-known/jwks.json"
        yield JwksEndpoint(url=url, fetches=fetches, published=published)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_401_problem(response) -> dict:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert problem["status"] == 401
    assert problem["detail"]
    return problem


class TestJwksVerification:
    async def test_a_token_signed_with_a_published_key_is_accepted(
        self, example_client, jwks: JwksEndpoint, published_key: SigningKey
    ):
        client = await example_client(jwt_public_key=None, jwt_jwks_url=jwks.url)
        response = await client.get(FUND_ONLY, headers=bearer(published_key.token(Role.FUND)))
        assert response.status_code == 200, response.text
        assert response.json() == {"role": "fund"}
        assert jwks.fetches == ["/.well-known/jwks.json"]

    async def test_the_role_rules_still_apply_to_jwks_tokens(
        self, example_client, jwks: JwksEndpoint, published_key: SigningKey
    ):
        client = await example_client(jwt_public_key=None, jwt_jwks_url=jwks.url)
        response = await client.get(FUND_ONLY, headers=bearer(published_key.token(Role.TRIBUNAL)))
        assert response.status_code == 403, response.text

    async def test_the_key_set_is_fetched_once_not_per_request(
        self, example_client, jwks: JwksEndpoint, published_key: SigningKey
    ):
        client = await example_client(jwt_public_key=None, jwt_jwks_url=jwks.url)
        for _ in range(3):
            response = await client.get(FUND_ONLY, headers=bearer(published_key.token(Role.FUND)))
            assert response.status_code == 200, response.text
        assert len(jwks.fetches) == 1

    async def test_a_token_with_an_unknown_kid_is_a_401_problem(
        self, example_client, jwks: JwksEndpoint, published_key: SigningKey
    ):
        client = await example_client(jwt_public_key=None, jwt_jwks_url=jwks.url)
        token = published_key.token(Role.FUND, kid="not-published")
        problem = assert_401_problem(await client.get(FUND_ONLY, headers=bearer(token)))
        assert "not signed with a key the identity provider publishes" in problem["detail"]

    async def test_a_token_signed_with_another_key_is_a_401_problem(
        self, example_client, jwks: JwksEndpoint, published_key: SigningKey
    ):
        client = await example_client(jwt_public_key=None, jwt_jwks_url=jwks.url)
        impostor = SigningKey(kid=published_key.kid)  # same kid, different key
        assert_401_problem(await client.get(FUND_ONLY, headers=bearer(impostor.token(Role.FUND))))

    async def test_a_token_that_is_not_a_jwt_is_a_401_problem(
        self, example_client, jwks: JwksEndpoint
    ):
        client = await example_client(jwt_public_key=None, jwt_jwks_url=jwks.url)
        assert_401_problem(await client.get(FUND_ONLY, headers=bearer("not-a-jwt")))

    async def test_the_test_key_is_not_trusted_when_only_jwks_is_configured(
        self, example_client, jwks: JwksEndpoint, tokens
    ):
        client = await example_client(jwt_public_key=None, jwt_jwks_url=jwks.url)
        assert_401_problem(await client.get(FUND_ONLY, headers=tokens.headers(Role.FUND)))


class TestKeyRotation:
    """deploy/README.md's rotation with a JWKS endpoint, on a controlled clock: the identity
    provider publishes the new key next to the old one, signs with the new one, and later
    removes the old one."""

    CACHE_SECONDS = 300.0

    def verifier(self, jwks: JwksEndpoint, now: list[float]) -> TokenVerifier:
        return TokenVerifier(
            issuer=TEST_ISSUER,
            audience=TEST_AUDIENCE,
            algorithms=["ES256"],
            jwks_url=jwks.url,
            jwks_cache_seconds=self.CACHE_SECONDS,
            clock=lambda: now[0],
        )

    async def test_a_key_published_next_to_the_old_one_is_fetched_on_first_sight_of_its_kid(
        self, jwks: JwksEndpoint, published_key: SigningKey
    ):
        now = [1_000.0]
        verifier = self.verifier(jwks, now)
        assert (await verifier.verify(published_key.token(Role.FUND))).role is Role.FUND
        new_key = SigningKey(kid=f"{published_key.kid}-next")
        jwks.publish(published_key, new_key)
        now[0] += JWKS_UNKNOWN_KID_COOLDOWN_SECONDS
        assert (await verifier.verify(new_key.token(Role.TRIBUNAL))).role is Role.TRIBUNAL
        assert len(jwks.fetches) == 2
        # The overlap: a token the old key signed now is still accepted, without a fetch.
        assert (await verifier.verify(published_key.token(Role.MUNICIPALITY))).role is (
            Role.MUNICIPALITY
        )
        assert len(jwks.fetches) == 2

    async def test_a_new_kid_right_after_a_fetch_waits_for_the_cooldown(
        self, jwks: JwksEndpoint, published_key: SigningKey
    ):
        now = [1_000.0]
        verifier = self.verifier(jwks, now)
        await verifier.verify(published_key.token(Role.FUND))
        new_key = SigningKey(kid=f"{published_key.kid}-next")
        jwks.publish(published_key, new_key)
        now[0] += JWKS_UNKNOWN_KID_COOLDOWN_SECONDS - 1
        with pytest.raises(AuthenticationError, match="not signed with a key the identity"):
            await verifier.verify(new_key.token(Role.FUND))
        assert len(jwks.fetches) == 1
        now[0] += 1
        assert (await verifier.verify(new_key.token(Role.FUND))).role is Role.FUND
        assert len(jwks.fetches) == 2

    async def test_a_removed_key_is_refused_once_the_cache_time_is_over_remembered_or_not(
        self, jwks: JwksEndpoint, published_key: SigningKey
    ):
        now = [1_000.0]
        verifier = self.verifier(jwks, now)
        remembered = published_key.token(Role.FUND)
        await verifier.verify(remembered)
        new_key = SigningKey(kid=f"{published_key.kid}-next")
        jwks.publish(new_key)  # the old key removed
        now[0] += self.CACHE_SECONDS - 1
        # Within the cache time the set is not asked again: the old key is still trusted.
        assert (await verifier.verify(remembered)).role is Role.FUND
        assert (await verifier.verify(published_key.token(Role.FUND))).role is Role.FUND
        assert len(jwks.fetches) == 1
        now[0] += 1
        for token in (remembered, published_key.token(Role.FUND)):
            with pytest.raises(AuthenticationError, match="not signed with a key the identity"):
                await verifier.verify(token)
        assert len(jwks.fetches) == 2
        assert (await verifier.verify(new_key.token(Role.FUND))).role is Role.FUND

    async def test_the_cache_time_is_a_setting_and_bounds_a_remembered_token(
        self, jwks: JwksEndpoint, published_key: SigningKey
    ):
        settings = ExampleSettings(
            jwt_public_key=None,
            jwt_jwks_url=jwks.url,
            jwt_issuer=TEST_ISSUER,
            jwt_audience=TEST_AUDIENCE,
            jwt_jwks_cache_seconds=7,
        )
        verifier = TokenVerifier.from_settings(settings)
        token = published_key.token(Role.FUND)
        before = time.time()
        await verifier.verify(token)
        _, until, expires = verifier._verified[token]
        assert before + 7 <= until <= time.time() + 7
        assert expires == jwt.decode(token, options={"verify_signature": False})["exp"]

    async def test_a_published_key_of_another_type_than_the_tokens_algorithm_is_a_refusal(
        self, jwks: JwksEndpoint, published_key: SigningKey
    ):
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwks.published[:] = [
            {**RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True), "kid": published_key.kid}
        ]
        verifier = self.verifier(jwks, [1_000.0])
        with pytest.raises(AuthenticationError, match="not valid"):
            await verifier.verify(published_key.token(Role.FUND))


class TestAlgorithmOfNoTrustedKey:
    async def test_an_rs256_token_against_the_ec_public_key_is_a_401_problem_not_a_500(
        self, example_client
    ):
        client = await example_client()  # the test key: one EC (ES256) PEM public key
        now = int(time.time())
        claims = {
            "sub": "fund:rsa",
            "role": "fund",
            "org_ids": [],
            "iss": TEST_ISSUER,
            "aud": TEST_AUDIENCE,
            "iat": now,
            "exp": now + 600,
        }
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(claims, rsa_key, algorithm="RS256")
        problem = assert_401_problem(await client.get(FUND_ONLY, headers=bearer(token)))
        assert "no trusted key is of its algorithm" in problem["detail"]

"""Token verification: every token fully checked, the verification key parsed once."""

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from common.auth import (
    DevSigningKey,
    Principal,
    Role,
    TokenVerifier,
    remember_verified,
    verified_principal,
)
from common.errors import AuthenticationError

ISSUER = "issuer-1"
AUDIENCE = "housing"


@pytest.fixture
def key() -> DevSigningKey:
    return DevSigningKey.generate()


def verifier_for(key: DevSigningKey) -> TokenVerifier:
    return TokenVerifier(
        issuer=ISSUER, audience=AUDIENCE, algorithms=["ES256"], public_key=key.public_pem()
    )


def mint(key: DevSigningKey, **overrides: object) -> str:
    values: dict[str, object] = {
        "role": Role.ERP_CLIENT,
        "organisation_ids": ["org-1"],
        "subject": "erp-1",
        "issuer": ISSUER,
        "audience": AUDIENCE,
    }
    values.update(overrides)
    return key.mint(**values)  # type: ignore[arg-type]


class TestTokenVerifier:
    async def test_the_public_key_is_parsed_once_not_per_request(
        self, key: DevSigningKey, monkeypatch: pytest.MonkeyPatch
    ):
        parsed = 0
        original = serialization.load_pem_public_key

        def counting(*args, **kwargs):
            nonlocal parsed
            parsed += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(serialization, "load_pem_public_key", counting)
        monkeypatch.setattr(jwt.algorithms, "load_pem_public_key", counting)
        verifier = verifier_for(key)
        for _ in range(3):
            principal = await verifier.verify(mint(key))
            assert principal.subject == "erp-1"
        assert parsed == 1

    async def test_accepts_a_valid_token(self, key: DevSigningKey):
        principal = await verifier_for(key).verify(mint(key))
        assert principal == Principal(
            subject="erp-1", role=Role.ERP_CLIENT, organisation_ids=frozenset({"org-1"})
        )

    @pytest.mark.parametrize(
        "overrides",
        [{"issuer": "someone-else"}, {"audience": "another-audience"}, {"ttl_seconds": -10}],
        ids=["issuer", "audience", "expired"],
    )
    async def test_refuses_wrong_issuer_audience_or_expiry(
        self, key: DevSigningKey, overrides: dict[str, object]
    ):
        with pytest.raises(AuthenticationError):
            await verifier_for(key).verify(mint(key, **overrides))

    async def test_refuses_a_token_signed_by_another_key(self, key: DevSigningKey):
        with pytest.raises(AuthenticationError):
            await verifier_for(key).verify(mint(DevSigningKey.generate()))

    async def test_refuses_a_tampered_token(self, key: DevSigningKey):
        header, _payload, signature = mint(key).split(".")
        other_payload = mint(key, subject="someone-else").split(".")[1]
        with pytest.raises(AuthenticationError):
            await verifier_for(key).verify(f"{header}.{other_payload}.{signature}")


class TestVerifiedOncePerRequest:
    def test_the_same_token_of_the_same_request_is_reused(self):
        scope: dict[str, object] = {}
        principal = Principal(subject="s", role=Role.FUND)
        remember_verified(scope, "token-a", principal)
        assert verified_principal(scope, "token-a") is principal

    def test_another_token_is_not_taken_for_the_verified_one(self):
        scope: dict[str, object] = {}
        remember_verified(scope, "token-a", Principal(subject="s", role=Role.FUND))
        assert verified_principal(scope, "token-b") is None
        assert verified_principal({}, "token-a") is None


class TestVerifiedTokenCache:
    """A token is verified once and remembered until its exp; nothing else is remembered."""

    @staticmethod
    def counting_decode(monkeypatch: pytest.MonkeyPatch) -> list[str]:
        decoded: list[str] = []
        original = jwt.decode

        def counting(token: str, *args: object, **kwargs: object) -> object:
            decoded.append(token)
            return original(token, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(jwt, "decode", counting)
        return decoded

    async def test_the_same_token_is_verified_once(
        self, key: DevSigningKey, monkeypatch: pytest.MonkeyPatch
    ):
        decoded = self.counting_decode(monkeypatch)
        verifier = verifier_for(key)
        token = mint(key)
        first = await verifier.verify(token)
        again = await verifier.verify(token)
        assert (
            again
            == first
            == Principal(
                subject="erp-1", role=Role.ERP_CLIENT, organisation_ids=frozenset({"org-1"})
            )
        )
        assert decoded == [token]
        other = mint(key, subject="erp-2")
        assert (await verifier.verify(other)).subject == "erp-2"
        assert decoded == [token, other]

    async def test_a_remembered_token_is_refused_from_its_exp_on(self, key: DevSigningKey):
        now = [1_000_000_000.0]
        verifier = TokenVerifier(
            issuer=ISSUER,
            audience=AUDIENCE,
            algorithms=["ES256"],
            public_key=key.public_pem(),
            clock=lambda: now[0],
        )
        token = mint(key, ttl_seconds=600)
        exp = jwt.decode(token, options={"verify_signature": False})["exp"]
        await verifier.verify(token)
        now[0] = exp - 0.5
        assert (await verifier.verify(token)).subject == "erp-1"
        now[0] = exp
        with pytest.raises(AuthenticationError, match="has expired"):
            await verifier.verify(token)
        # Forgotten: the next try verifies it again (and jwt.decode, on the real clock, accepts
        # it, which shows the refusal above came from the remembered exp).
        now[0] = exp - 1
        assert (await verifier.verify(token)).subject == "erp-1"

    async def test_a_refused_token_is_not_remembered(
        self, key: DevSigningKey, monkeypatch: pytest.MonkeyPatch
    ):
        decoded = self.counting_decode(monkeypatch)
        verifier = verifier_for(key)
        bad = mint(DevSigningKey.generate())
        for _ in range(2):
            with pytest.raises(AuthenticationError):
                await verifier.verify(bad)
        assert decoded == [bad, bad]

    async def test_the_cache_is_bounded(self, key: DevSigningKey):
        verifier = TokenVerifier(
            issuer=ISSUER,
            audience=AUDIENCE,
            algorithms=["ES256"],
            public_key=key.public_pem(),
            cache_size=2,
        )
        tokens = [mint(key, subject=f"erp-{i}") for i in range(3)]
        for token in tokens:
            await verifier.verify(token)
        assert list(verifier._verified) == tokens[1:]


class TestSeveralPublicKeys:
    """HOUSING_JWT_PUBLIC_KEY with the old and the new PEM key one after the other: the overlap
    of a rotation without a JWKS endpoint (deploy/README.md)."""

    def verifier(self, *keys: str) -> TokenVerifier:
        return TokenVerifier(
            issuer=ISSUER,
            audience=AUDIENCE,
            algorithms=["ES256", "RS256"],
            public_key="".join(keys),
        )

    async def test_tokens_of_either_key_are_accepted_and_of_no_other(self, key: DevSigningKey):
        new = DevSigningKey.generate()
        verifier = self.verifier(key.public_pem(), new.public_pem())
        assert (await verifier.verify(mint(key, subject="old"))).subject == "old"
        assert (await verifier.verify(mint(new, subject="new"))).subject == "new"
        with pytest.raises(AuthenticationError, match="Signature verification failed"):
            await verifier.verify(mint(DevSigningKey.generate()))

    async def test_the_old_key_left_out_refuses_its_tokens(self, key: DevSigningKey):
        new = DevSigningKey.generate()
        verifier = self.verifier(new.public_pem())
        assert (await verifier.verify(mint(new, subject="new"))).subject == "new"
        with pytest.raises(AuthenticationError, match="Signature verification failed"):
            await verifier.verify(mint(key))

    async def test_a_token_whose_algorithm_no_configured_key_has_is_a_refusal(
        self, key: DevSigningKey
    ):
        rsa_pem = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        with pytest.raises(AuthenticationError, match="no trusted key is of its algorithm"):
            await self.verifier(rsa_pem).verify(mint(key))  # ES256 against an RSA key
        # mixed: the EC key among them is found
        assert (await self.verifier(rsa_pem, key.public_pem()).verify(mint(key))).role is (
            Role.ERP_CLIENT
        )

    def test_text_without_a_pem_key_is_refused_at_start(self):
        with pytest.raises(ValueError, match="Unable to load PEM"):
            self.verifier("not a key")

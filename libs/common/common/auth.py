"""Bearer-token authentication and the role / object-level rules every service applies.

Tokens are JWTs signed by the identity provider; services only verify them, with a public key
or a JWKS endpoint from settings. The embedded dev run signs with a local dev key that
``housing token`` also uses.
"""

from __future__ import annotations

import asyncio
import math
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from common.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from common.settings import Environment, ServiceSettings
from common.tokens import DevSigningKey as DevSigningKey  # re-exported: one place to import from
from common.tokens import Role as Role

# Roles that act for specific housing organisations and may see only those.
ORGANISATION_SCOPED_ROLES = frozenset(
    {Role.HOUSING_ORG, Role.ADMIN_ORG, Role.ERP_CLIENT, Role.LANDLORD}
)


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    role: Role
    organisation_ids: frozenset[str] = field(default_factory=frozenset)
    municipality_code: str | None = None

    def acts_for_organisation(self, organisation_id: str) -> bool:
        return organisation_id in self.organisation_ids

    def may_see_organisation(self, organisation_id: str) -> bool:
        """Organisation-scoped roles see their own organisations; authorities see all."""
        if self.role in ORGANISATION_SCOPED_ROLES:
            return self.acts_for_organisation(organisation_id)
        return True


def ensure_may_see_organisation(principal: Principal, organisation_id: str, what: str) -> None:
    """Object-level check: another organisation's object is reported as not found (404),
    so its existence does not leak."""
    if not principal.may_see_organisation(organisation_id):
        raise NotFoundError(f"{what} was not found.")


# --- verification ------------------------------------------------------------------------------


# How many verified tokens a verifier remembers (a client sends the same token until it expires;
# one entry is a few hundred bytes).
VERIFIED_TOKEN_CACHE_SIZE = 10_000

# How long keys fetched from a JWKS endpoint are trusted before the set is fetched again
# (HOUSING_JWT_JWKS_CACHE_SECONDS), and how often at most a token with an unknown kid makes it be
# fetched before that (so tokens with made-up kids cannot hammer the identity provider).
JWKS_CACHE_SECONDS = 300.0
JWKS_UNKNOWN_KID_COOLDOWN_SECONDS = 30.0

_PEM_PUBLIC_KEY = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


def load_public_keys(pem: str) -> tuple[PublicKeyTypes, ...]:
    """Every PEM public key in ``pem`` (one, or several one after the other: the old and the new
    key while a signing key is rotated), parsed."""
    blocks = _PEM_PUBLIC_KEY.findall(pem) or [pem]
    return tuple(serialization.load_pem_public_key(block.encode()) for block in blocks)


class JwksKeys:
    """The identity provider's signing keys from its JWKS endpoint, by ``kid``.

    The set is fetched on first use and again once it is ``cache_seconds`` old; a ``kid`` the
    set does not hold makes it be fetched at once, unless it was fetched less than
    ``min(JWKS_UNKNOWN_KID_COOLDOWN_SECONDS, cache_seconds)`` ago. So a key the provider adds is
    used on first sight of its ``kid`` (at the latest ``cache_seconds`` later), and a key it
    removes is refused at the latest ``cache_seconds`` after the removal. ``clock`` is for
    tests."""

    def __init__(
        self, url: str, *, cache_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        if not cache_seconds > 0:
            raise ValueError("the JWKS cache time must be above 0 seconds")
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False)
        self._cache_seconds = cache_seconds
        self._cooldown = min(JWKS_UNKNOWN_KID_COOLDOWN_SECONDS, cache_seconds)
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = -math.inf
        self._lock = threading.Lock()

    def key_for(self, token: str) -> tuple[jwt.PyJWK, float]:
        """The published key of the token's ``kid`` and until when it may be trusted without
        asking the endpoint again. Blocking HTTP on a fetch."""
        kid = jwt.get_unverified_header(token).get("kid")
        with self._lock:
            now = self._clock()
            age = now - self._fetched_at
            if age >= self._cache_seconds or (kid not in self._keys and age >= self._cooldown):
                keys = self._client.get_signing_keys()
                self._keys = {str(key.key_id): key for key in keys}
                self._fetched_at = now
            key = self._keys.get(kid) if isinstance(kid, str) else None
            trusted_until = self._fetched_at + self._cache_seconds
        if key is None:
            raise jwt.PyJWKClientError(f"no published signing key has the kid {kid!r}")
        return key, trusted_until


class TokenVerifier:
    """Verifies bearer JWTs with PEM public keys or keys from a JWKS endpoint.

    ``public_key`` may hold several PEM keys (a token signed by any of them passes: the overlap
    of a key rotation without a JWKS endpoint). With ``jwks_url`` the keys are the endpoint's,
    trusted for ``jwks_cache_seconds`` (JwksKeys).

    A token that passed every check is remembered, keyed by the token itself, until its
    ``exp`` (with a JWKS endpoint: at most until its key's ``jwks_cache_seconds`` are over, so a
    key the identity provider removed is not trusted longer through a remembered token): the
    same token sent again is not verified again (the signature check is most of a small
    request's cost). Only what passed is remembered; an expired one is refused as ``jwt.decode``
    refuses it. ``clock`` (seconds since the epoch) is for tests."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        algorithms: Iterable[str],
        public_key: str | None = None,
        jwks_url: str | None = None,
        cache_size: int = VERIFIED_TOKEN_CACHE_SIZE,
        clock: Callable[[], float] = time.time,
        jwks_cache_seconds: float = JWKS_CACHE_SECONDS,
    ) -> None:
        if public_key is None and jwks_url is None:
            raise ValueError("a public key or a JWKS URL is required to verify tokens")
        self._verified: dict[str, tuple[Principal, float, float]] = {}
        self._cache_size = cache_size
        self._clock = clock
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        # Parsed once here: a PEM string handed to jwt.decode is parsed again on every request.
        self._public_keys = load_public_keys(public_key) if public_key else ()
        self._jwks = (
            JwksKeys(jwks_url, cache_seconds=jwks_cache_seconds, clock=clock) if jwks_url else None
        )
        if not self._public_keys and self._jwks is None:
            raise ValueError("a public key or a JWKS URL is required to verify tokens")

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> TokenVerifier:
        public_key = settings.jwt_public_key
        if public_key is None and settings.jwt_jwks_url is None:
            if settings.env is not Environment.DEV:
                raise ValueError("token verification needs HOUSING_JWT_PUBLIC_KEY or _JWKS_URL")
            public_key = DevSigningKey.load_or_create(settings.dev_signing_key_path).public_pem()
        return cls(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            algorithms=settings.jwt_algorithms,
            public_key=public_key,
            jwks_url=settings.jwt_jwks_url,
            jwks_cache_seconds=settings.jwt_jwks_cache_seconds,
        )

    async def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, until, expires = remembered
            now = self._clock()
            if now < until:
                return principal
            del self._verified[token]
            if now >= expires:
                raise AuthenticationError("The bearer token has expired; get a new one.")
            # still valid but its key's trust ran out (JWKS): verified again below
        principal, until, expires = await self._verify(token)
        self._remember(token, principal, until, expires)
        return principal

    def _remember(self, token: str, principal: Principal, until: float, expires: float) -> None:
        if len(self._verified) >= self._cache_size:
            now = self._clock()
            for stale in [t for t, (_, end, _) in self._verified.items() if end <= now]:
                del self._verified[stale]
            while len(self._verified) >= self._cache_size:  # the oldest remembered go first
                del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, until, expires)

    def _keys_of_algorithm(self, token: str) -> list[PublicKeyTypes]:
        """The configured keys of the kind the token's ``alg`` needs (jwt.decode raises a
        TypeError, not a refusal, for a key of another kind)."""
        algorithm = str(jwt.get_unverified_header(token).get("alg"))
        kind = {"ES": ec.EllipticCurvePublicKey, "RS": rsa.RSAPublicKey, "PS": rsa.RSAPublicKey}
        wanted = kind.get(algorithm[:2])
        return [k for k in self._public_keys if wanted is not None and isinstance(k, wanted)]

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=self._algorithms,
            audience=self._audience,
            issuer=self._issuer,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
        return claims

    async def _verify(self, token: str) -> tuple[Principal, float, float]:
        """The token's principal, until when it may be remembered, and its ``exp``."""
        trusted_until = math.inf
        try:
            if self._jwks is not None:
                # A fetch of the key set is blocking HTTP.
                signing_key, trusted_until = await asyncio.to_thread(self._jwks.key_for, token)
                # The PyJWK, not its bare key: a key of another type than the token's algorithm
                # is then a refusal, not a TypeError.
                claims = self._decode(token, signing_key)
            else:
                candidates = self._keys_of_algorithm(token)
                for key in candidates[:-1]:  # while a key is rotated: the old and the new one
                    try:
                        claims = self._decode(token, key)
                        break
                    except jwt.InvalidSignatureError:
                        continue
                else:
                    if not candidates:
                        raise jwt.InvalidSignatureError("no trusted key is of its algorithm")
                    claims = self._decode(token, candidates[-1])
        except jwt.PyJWKClientConnectionError:
            raise  # the identity provider's keys are unreachable: not the caller's fault
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationError("The bearer token has expired; get a new one.") from exc
        except jwt.PyJWKClientError as exc:  # no published key matches the token's kid
            raise AuthenticationError(
                "The bearer token is not signed with a key the identity provider publishes."
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError(f"The bearer token is not valid: {exc}.") from exc
        expires = float(claims["exp"])
        return principal_from_claims(claims), min(expires, trusted_until), expires


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(str(claims.get("role")))
    except ValueError as exc:
        raise AuthenticationError("The bearer token carries no known role.") from exc
    organisations = claims.get("org_ids", [])
    if not isinstance(organisations, list) or not all(isinstance(o, str) for o in organisations):
        raise AuthenticationError("The token's org_ids claim must be a list of strings.")
    municipality = claims.get("municipality")
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        organisation_ids=frozenset(organisations),
        municipality_code=str(municipality) if municipality is not None else None,
    )


BEARER_SCHEME_NAME = "HTTPBearer"
BEARER_DESCRIPTION = "OAuth2 bearer JWT from the identity provider"
_bearer = HTTPBearer(auto_error=False, description=BEARER_DESCRIPTION)
_NO_TOKEN = "Send a bearer token in the Authorization header."


async def principal_of(request: Request) -> Principal:
    """The caller's verified principal, straight from the ``Authorization`` header — what
    :func:`current_principal` does after ``HTTPBearer``, in one call: the header is read as
    ``HTTPBearer`` reads it (scheme, a space, the token; no or another scheme is 401)."""
    authorization = request.headers.get("authorization")
    if not authorization:
        raise AuthenticationError(_NO_TOKEN)
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if not scheme or not token or scheme.lower() != "bearer":
        raise AuthenticationError(_NO_TOKEN)
    return await principal_for_token(request, token)


async def principal_for_token(request: Request, token: str) -> Principal:
    """The principal of ``token``, verified once per request (the idempotency middleware may
    have done it already), also kept as ``request.state.principal``."""
    principal = verified_principal(request.scope, token)
    if principal is None:
        verifier: TokenVerifier = request.app.state.token_verifier
        principal = await verifier.verify(token)
    request.state.principal = principal
    return principal


class BearerDependency(HTTPBearer):
    """Base of a dependency that reads and verifies the bearer token itself
    (:func:`principal_of`) in one call, instead of ``HTTPBearer`` → :func:`current_principal`
    → the subclass's own step: FastAPI solves one dependency instead of three per request.
    Being an ``HTTPBearer``, its routes document the same security scheme in OpenAPI
    (``HTTPBearer``, the same description) as routes using :data:`CurrentPrincipal`."""

    def __init__(self) -> None:
        super().__init__(
            auto_error=False, scheme_name=BEARER_SCHEME_NAME, description=BEARER_DESCRIPTION
        )

    async def __call__(self, request: Request) -> Any:  # type: ignore[override]
        return await principal_of(request)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError(_NO_TOKEN)
    return await principal_for_token(request, credentials.credentials)


def remember_verified(scope: MutableMapping[str, Any], token: str, principal: Principal) -> None:
    """Record that ``token`` was fully verified for this request (by the idempotency
    middleware), so the route's dependency does not verify the same token a second time."""
    scope.setdefault("state", {})["verified_token"] = (token, principal)


def verified_principal(scope: MutableMapping[str, Any], token: str) -> Principal | None:
    """The principal of ``token`` if this very request already verified that exact token."""
    remembered = scope.get("state", {}).get("verified_token")
    if remembered is not None and remembered[0] == token:
        principal: Principal = remembered[1]
        return principal
    return None


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the caller must hold one of ``roles`` (403 otherwise)."""
    allowed = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise PermissionDeniedError(
                f"Your role '{principal.role.value}' may not do this; it needs one of: {names}."
            )
        return principal

    return dependency

"""Bearer-token authentication and the role / object-level rules every service applies.

Tokens are JWTs signed by the identity provider; services only verify them, with a public key
or a JWKS endpoint from settings. The embedded dev run signs with a local dev key that
``housing token`` also uses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
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


class TokenVerifier:
    """Verifies bearer JWTs with a PEM public key or keys from a JWKS endpoint.

    A token that passed every check is remembered, keyed by the token itself, until its
    ``exp``: the same token sent again is not verified again (the signature check is most of a
    small request's cost). Only what passed is remembered; an expired one is refused as
    ``jwt.decode`` refuses it. ``clock`` (seconds since the epoch) is for tests."""

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
    ) -> None:
        if public_key is None and jwks_url is None:
            raise ValueError("a public key or a JWKS URL is required to verify tokens")
        self._verified: dict[str, tuple[Principal, float]] = {}
        self._cache_size = cache_size
        self._clock = clock
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        # Parsed once here: a PEM string handed to jwt.decode is parsed again on every request.
        self._public_key: PublicKeyTypes | None = (
            serialization.load_pem_public_key(public_key.encode()) if public_key else None
        )
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None

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
        )

    async def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, expires = remembered
            if self._clock() < expires:
                return principal
            del self._verified[token]
            raise AuthenticationError("The bearer token has expired; get a new one.")
        principal, expires = await self._verify(token)
        self._remember(token, principal, expires)
        return principal

    def _remember(self, token: str, principal: Principal, expires: float) -> None:
        if len(self._verified) >= self._cache_size:
            now = self._clock()
            for stale in [t for t, (_, exp) in self._verified.items() if exp <= now]:
                del self._verified[stale]
            while len(self._verified) >= self._cache_size:  # the oldest remembered go first
                del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, expires)

    async def _verify(self, token: str) -> tuple[Principal, float]:
        key: Any = self._public_key
        try:
            if self._jwks is not None:
                # PyJWKClient fetches over blocking HTTP on a cache miss.
                signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                key = signing_key.key
            claims = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
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
        return principal_from_claims(claims), float(claims["exp"])


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


_bearer = HTTPBearer(auto_error=False, description="OAuth2 bearer JWT from the identity provider")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("Send a bearer token in the Authorization header.")
    principal = verified_principal(request.scope, credentials.credentials)
    if principal is None:
        verifier: TokenVerifier = request.app.state.token_verifier
        principal = await verifier.verify(credentials.credentials)
    request.state.principal = principal
    return principal


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

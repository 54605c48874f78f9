"""Roles and the dev signing key: what `housing token` needs, without the web framework.

``common.auth`` re-exports both; this module imports neither FastAPI nor SQLAlchemy, so minting
a dev token starts in a fraction of a second.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


class Role(StrEnum):
    HOUSING_ORG = "housing_org"
    ADMIN_ORG = "admin_org"
    MUNICIPALITY = "municipality"
    FUND = "fund"
    TRIBUNAL = "tribunal"
    BENEFIT_AUTHORITY = "benefit_authority"
    ERP_CLIENT = "erp_client"
    # A private landlord (allocation rights in private rentals); its token's organisation_ids
    # are the landlord ids it acts for.
    LANDLORD = "landlord"
    # A party to a rent-tribunal case (tenant, landlord, residents' representation) acting for
    # itself; what it sees is decided by the legal-cases service from the token's subject.
    PARTY = "party"
    # The people who run the platform: the dashboards' operations page (consumer lag, dead
    # letters, outbox lag). Sees no case data.
    OPERATIONS = "operations"


# --- signing (dev key, tests, `housing token`) ------------------------------------------------


class DevSigningKey:
    """An ES256 key pair kept in the data folder of the embedded run. Never used outside dev."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        self._private_key = private_key

    @classmethod
    def generate(cls) -> DevSigningKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def load_or_create(cls, path: Path) -> DevSigningKey:
        if path.exists():
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(loaded, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{path} does not hold an EC private key")
            return cls(loaded)
        key = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(key.private_pem())
        path.chmod(0o600)
        return key

    def private_pem(self) -> bytes:
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_pem(self) -> str:
        return (
            self._private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def mint(
        self,
        *,
        role: Role,
        organisation_ids: Iterable[str] = (),
        municipality_code: str | None = None,
        subject: str | None = None,
        issuer: str,
        audience: str,
        ttl_seconds: int = 3600,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": subject or f"{role.value}:{uuid.uuid4()}",
            "role": role.value,
            "org_ids": sorted(organisation_ids),
            "iss": issuer,
            "aud": audience,
            "iat": now,
            "exp": now + ttl_seconds,
        }
        if municipality_code is not None:
            claims["municipality"] = municipality_code
        return jwt.encode(claims, self._private_key, algorithm="ES256")

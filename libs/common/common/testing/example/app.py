"""Routes of the example service."""

from __future__ import annotations

import asyncio
from typing import Annotated, ClassVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy import insert, select, update

from common.app import UnitOfWorkDep, create_service_app
from common.auth import (
    CurrentPrincipal,
    Principal,
    Role,
    ensure_may_see_organisation,
    require_roles,
)
from common.errors import ConflictError, NotFoundError, RuleViolationError
from common.events.envelope import Envelope
from common.events.transport import EventBus
from common.money import DKK
from common.observability import current_correlation_id
from common.settings import ServiceSettings
from common.testing.example.db.models import things

TOPIC = "example.thing.v1"


class ExampleSettings(ServiceSettings):
    service_name: ClassVar[str] = "example"
    database_name: ClassVar[str] = "example"
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_")


class ThingCreate(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    organisation_id: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=200)
    amount: DKK


class ThingRead(BaseModel):
    id: str
    organisation_id: str
    name: str
    version: int


Writer = Annotated[Principal, Depends(require_roles(Role.HOUSING_ORG, Role.ERP_CLIENT))]
FundOnly = Annotated[Principal, Depends(require_roles(Role.FUND))]

router = APIRouter(tags=["example"])


def changed_event(thing_id: str, version: int, name: str, topic: str = TOPIC) -> Envelope:
    return Envelope(
        type="example.thing.changed",
        source="/housing/example",
        subject=thing_id,
        topic=topic,
        data={"id": thing_id, "version": version, "name": name},
        correlation_id=current_correlation_id(),
    )


@router.post("/things", status_code=201)
async def create_thing(
    body: ThingCreate,
    principal: Writer,
    uow: UnitOfWorkDep,
    delay: Annotated[float, Query(ge=0, le=5)] = 0,
) -> ThingRead:
    if not principal.acts_for_organisation(body.organisation_id):
        raise RuleViolationError("You can only create things for your own organisation.")
    await asyncio.sleep(delay)  # lets tests hold a request open
    exists = await uow.session.scalar(select(things.c.id).where(things.c.id == body.id))
    if exists:
        raise ConflictError(f"Thing {body.id} already exists.")
    await uow.session.execute(
        insert(things).values(
            id=body.id, organisation_id=body.organisation_id, name=body.name, version=1
        )
    )
    uow.record_event(changed_event(body.id, 1, body.name))
    return ThingRead(id=body.id, organisation_id=body.organisation_id, name=body.name, version=1)


@router.post("/things/{thing_id}/rename")
async def rename_thing(
    thing_id: str, name: str, principal: Writer, uow: UnitOfWorkDep
) -> ThingRead:
    row = (
        await uow.session.execute(select(things).where(things.c.id == thing_id).with_for_update())
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"Thing {thing_id} was not found.")
    ensure_may_see_organisation(principal, row.organisation_id, f"Thing {thing_id}")
    version = row.version + 1
    await uow.session.execute(
        update(things).where(things.c.id == thing_id).values(name=name, version=version)
    )
    uow.record_event(changed_event(thing_id, version, name))
    return ThingRead(id=thing_id, organisation_id=row.organisation_id, name=name, version=version)


@router.post("/things/{thing_id}/rename-and-fail")
async def rename_thing_and_fail(
    thing_id: str, name: str, principal: Writer, uow: UnitOfWorkDep
) -> ThingRead:
    """Changes the thing, records an event, then breaks a rule: nothing of it may be stored."""
    row = (await uow.session.execute(select(things).where(things.c.id == thing_id))).one_or_none()
    if row is None:
        raise NotFoundError(f"Thing {thing_id} was not found.")
    ensure_may_see_organisation(principal, row.organisation_id, f"Thing {thing_id}")
    await uow.session.execute(update(things).where(things.c.id == thing_id).values(name=name))
    uow.record_event(changed_event(thing_id, 99, name))
    raise RuleViolationError("The name was changed, then a rule broke: nothing is kept.")


@router.get("/things/{thing_id}")
async def read_thing(thing_id: str, principal: CurrentPrincipal, uow: UnitOfWorkDep) -> ThingRead:
    row = (await uow.session.execute(select(things).where(things.c.id == thing_id))).one_or_none()
    if row is None:
        raise NotFoundError(f"Thing {thing_id} was not found.")
    ensure_may_see_organisation(principal, row.organisation_id, f"Thing {thing_id}")
    return ThingRead.model_validate(row._mapping)


@router.get("/fund-only")
async def fund_only(principal: FundOnly) -> dict[str, str]:
    return {"role": principal.role.value}


@router.get("/boom")
async def boom(request: Request) -> None:
    raise RuntimeError("secret internals: password=hunter2")


def create_app(settings: ExampleSettings, *, bus: EventBus | None = None) -> FastAPI:
    return create_service_app(
        settings, title="Example", description="Test-bed service", routers=[router], bus=bus
    )

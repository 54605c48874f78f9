"""`housing reminders ...`: governance's reminder rounds from the command line, as the fund's
API offers them, against the databases a `make run` with the same settings uses."""

from __future__ import annotations

import json
import sys
from datetime import date

from common.access import Scope
from common.auth import Role
from common.calendar import danish_date
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.errors import DomainError
from governance.services import reminders
from governance.settings import GovernanceSettings
from housing.embedded import command_settings
from housing.services import service
from housing.settings import PlatformSettings

OPERATIONS = Scope("housing-cli", Role.FUND, None, None)


async def dispatch(action: str, on: date | None) -> int:
    with command_settings(service("governance"), PlatformSettings()) as settings:
        assert isinstance(settings, GovernanceSettings)
        database = Database(settings.effective_database_url)
        try:
            async with UnitOfWork(database) as uow:
                return await _act(uow, settings, action, on or danish_date())
        except DomainError as error:
            print(error.detail, file=sys.stderr)
            return 1
        finally:
            await database.dispose()


async def _act(uow: UnitOfWork, settings: GovernanceSettings, action: str, on: date) -> int:
    if action == "schedule":
        found = await reminders.reminder_schedule(
            uow.session, OPERATIONS, on, settings.reminder_days
        )
        print(f"reminder days: {', '.join(found.days)}")
        print(f"next rounds:   {', '.join(d.isoformat() for d in found.upcoming)}")
        for held in found.held:
            print(f"held {held.round_date}: {held.reminders} municipality(ies) reminded")
        return 0
    if action == "preview":
        preview = await reminders.preview_round(uow.session, OPERATIONS, on)
        for municipality, items in preview.items():
            line = {"municipality_code": municipality, "items": [i.model_dump() for i in items]}
            print(json.dumps(line, ensure_ascii=False))
        print(f"{len(preview)} municipality(ies) would be reminded on {on}", file=sys.stderr)
        return 0
    result = await reminders.run_round_now(uow, OPERATIONS, on)
    await uow.commit()
    print(f"round {on}: {result.reminders} municipality(ies) reminded", file=sys.stderr)
    return 0

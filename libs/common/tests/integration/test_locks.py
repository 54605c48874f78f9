"""Named transaction-scoped advisory locks on the real PostgreSQL test server: shared holders
run side by side, an exclusive holder waits for them (and they for it) until the transaction
ends; another key is another lock; several keys are taken at once."""

import asyncio

from sqlalchemy import text

from common.db.locks import advisory_xact_lock

SCOPE = "common.tests.locks"


async def taken_within(lock, seconds: float = 0.5) -> bool:
    try:
        await asyncio.wait_for(asyncio.shield(lock), seconds)
    except TimeoutError:
        return False
    return True


class TestAdvisoryXactLock:
    async def test_shared_holders_do_not_wait_for_each_other(self, example_db):
        async with example_db.session() as a, example_db.session() as b, a.begin(), b.begin():
            await advisory_xact_lock(a, SCOPE, "k1", shared=True)
            assert await taken_within(advisory_xact_lock(b, SCOPE, "k1", shared=True))

    async def test_exclusive_waits_for_a_shared_holder_until_its_transaction_ends(self, example_db):
        async with example_db.session() as a, example_db.session() as b:
            transaction = await a.begin()
            await advisory_xact_lock(a, SCOPE, "k2", shared=True)
            async with b.begin():
                waiting = asyncio.ensure_future(advisory_xact_lock(b, SCOPE, "k2"))
                assert not await taken_within(waiting)
                await transaction.commit()
                assert await taken_within(waiting, 5)

    async def test_shared_waits_for_an_exclusive_holder_and_other_keys_do_not(self, example_db):
        async with example_db.session() as a, example_db.session() as b:
            transaction = await a.begin()
            await advisory_xact_lock(a, SCOPE, "k3")
            async with b.begin():
                assert await taken_within(advisory_xact_lock(b, SCOPE, "k4"))
                waiting = asyncio.ensure_future(advisory_xact_lock(b, SCOPE, "k3", shared=True))
                assert not await taken_within(waiting)
                await transaction.rollback()
                assert await taken_within(waiting, 5)

    async def test_several_keys_at_once_each_held(self, example_db):
        try_shared = text(
            "SELECT pg_try_advisory_xact_lock_shared(hashtext(:scope), hashtext(:key))"
        )
        async with example_db.session() as a, example_db.session() as b, a.begin():
            await advisory_xact_lock(a, SCOPE, ["k6", "k5", "k6"])
            async with b.begin():
                for key in ("k5", "k6", "k7"):
                    taken = await b.scalar(try_shared, {"scope": SCOPE, "key": key})
                    assert taken is (key == "k7")

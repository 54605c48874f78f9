"""Every query of the allocation service. Visibility comes in as ``scope.filter(...)``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from allocation.db.models import (
    AgreementRow,
    ApartmentRightRow,
    CaseLogRow,
    DwellingRow,
    FrameApplicationRow,
    FrameRow,
    InvitationRoundRow,
    NoticeRow,
    OfferRow,
    PrivateAgreementRow,
    PropertyRow,
    RentRow,
    RestorationClaimRow,
    RoundOfferRow,
    SubsidyRateRow,
    SubsidyRow,
    VacancyReportRow,
    VacancyRow,
)
from common.events.outbox import NOTIFY_CHANNEL

# --- a fetched batch of vacancy events in three statements (``apply_vacancies``) -------------
# Rows travel as one JSON parameter each, an array of arrays of plain values (text, numbers,
# booleans) in the orders below: one parameter whatever the batch size, no per-row parameter
# quoting, no ``default=`` hook, no repeated keys.
DWELLING_ROW = (
    "id, department_id, organisation_id, municipality_code, housing_type, lease_id, vacant, "
    "monthly_rent, vacancy_recorded_at"
)
RENT_ROW = "dwelling_id, from_day, monthly_rent, recorded_at"
LEASE_KEY = "dwelling_id, lease_id"
AGREEMENT_KEY = "municipality_code, organisation_id, housing_type"
VACANCY_ROW = (
    "dwelling_id, lease_id, organisation_id, municipality_code, housing_type, vacant_from, "
    "agreement_id, number, municipal, recorded_at"
)
COUNT_ROW = "id, counted"
OFFER_ROW = (
    "id, source, agreement_id, dwelling_id, lease_id, organisation_id, municipality_code, "
    "status, received_on, answer_due, available_from, monthly_rent"
)
LOG_ROW = "case_kind, case_id, action, detail"

# 1. the dwellings' vacancy facts and the rents (newer wins), and which of the batch's leases
#    already have their vacancy (those are not counted again). The SELECT sees the snapshot
#    from before the two upserts, which do not touch ``vacancies``. Each lease is looked up
#    in the unique index of ``(dwelling_id, lease_id)`` (the ``LIMIT 1`` subquery is not
#    flattened into a join): a plain join is planned as a hash join over a sequential scan of
#    the whole table while its statistics are those of a young table, which is every batch's
#    cost growing with the table (about 2.3 ms per batch of 880 at 10,000 vacancies, against
#    0.8 ms at any size by the index).
_VACANCY_FACTS = text(
    """
WITH dwelling_rows AS (
  INSERT INTO dwellings AS held (id, department_id, organisation_id, municipality_code,
      housing_type, lease_id, vacant, monthly_rent, vacancy_recorded_at)
  SELECT r->>0, r->>1, r->>2, r->>3, r->>4, r->>5, CAST(r->>6 AS boolean),
      CAST(r->>7 AS numeric), CAST(r->>8 AS timestamptz)
  FROM jsonb_array_elements(CAST(:dwellings AS jsonb)) AS t(r)
  ON CONFLICT (id) DO UPDATE SET department_id = EXCLUDED.department_id,
      organisation_id = EXCLUDED.organisation_id, municipality_code = EXCLUDED.municipality_code,
      housing_type = EXCLUDED.housing_type, lease_id = EXCLUDED.lease_id,
      vacant = EXCLUDED.vacant, monthly_rent = EXCLUDED.monthly_rent,
      vacancy_recorded_at = EXCLUDED.vacancy_recorded_at, updated_at = now()
  WHERE held.vacancy_recorded_at < EXCLUDED.vacancy_recorded_at
), rent_rows AS (
  INSERT INTO rents AS held (dwelling_id, from_day, monthly_rent, recorded_at)
  SELECT r->>0, CAST(r->>1 AS date), CAST(r->>2 AS numeric), CAST(r->>3 AS timestamptz)
  FROM jsonb_array_elements(CAST(:rents AS jsonb)) AS t(r)
  ON CONFLICT (dwelling_id, from_day) DO UPDATE SET monthly_rent = EXCLUDED.monthly_rent,
      recorded_at = EXCLUDED.recorded_at
  WHERE held.recorded_at < EXCLUDED.recorded_at
)
SELECT v.dwelling_id, v.lease_id
FROM jsonb_array_elements(CAST(:leases AS jsonb)) AS t(r)
CROSS JOIN LATERAL (
  SELECT h.dwelling_id, h.lease_id FROM vacancies AS h
  WHERE h.dwelling_id = t.r->>0 AND h.lease_id = t.r->>1
  LIMIT 1
) AS v
"""
)
# 2. the agreements that may count the batch's new vacancies, row-locked in id order (so two
#    partitions' batches never deadlock on each other) and read after the lock: ``counted`` is
#    then the number of vacancies counted so far, and stays so until this transaction ends.
_LOCK_AGREEMENTS = text(
    """
SELECT a.id, a.municipality_code, a.organisation_id, a.kind, a.housing_type, a.share,
    a.dwelling_ids, a.valid_from, a.valid_to, a.organisation_consent, a.counted, a.created_at
FROM agreements AS a
WHERE (a.municipality_code, a.organisation_id, a.housing_type) IN (
  SELECT t.r->>0, t.r->>1, t.r->>2 FROM jsonb_array_elements(CAST(:keys AS jsonb)) AS t(r))
ORDER BY a.id
FOR UPDATE OF a
"""
)
# 3. the new vacancies with their decisions, the agreements' new counts, the offers (joined to
#    their vacancy's id), their case-log lines and outbox events (in the batch's order), one
#    statement. A vacancy that another transaction stored meanwhile is not inserted, and the
#    caller sees fewer vacancies than it decided on.
_OPEN_VACANCIES = text(
    """
WITH new_vacancies AS (
  INSERT INTO vacancies (dwelling_id, lease_id, organisation_id, municipality_code,
      housing_type, vacant_from, agreement_id, number, municipal, recorded_at)
  SELECT r->>0, r->>1, r->>2, r->>3, r->>4, CAST(r->>5 AS date), r->>6, CAST(r->>7 AS int),
      CAST(r->>8 AS boolean), CAST(r->>9 AS timestamptz)
  FROM jsonb_array_elements(CAST(:vacancies AS jsonb)) WITH ORDINALITY AS t(r, n)
  ORDER BY t.n
  ON CONFLICT (dwelling_id, lease_id) DO NOTHING
  RETURNING id, dwelling_id, lease_id
), counts AS (
  UPDATE agreements AS a SET counted = CAST(t.r->>1 AS int)
  FROM jsonb_array_elements(CAST(:counts AS jsonb)) AS t(r)
  WHERE a.id = t.r->>0
  RETURNING a.id
), new_offers AS (
  INSERT INTO offers (id, source, agreement_id, vacancy_id, dwelling_id, organisation_id,
      municipality_code, status, is_repeat, received_on, answer_due, available_from,
      monthly_rent, version)
  SELECT t.r->>0, t.r->>1, t.r->>2, v.id, t.r->>3, t.r->>5, t.r->>6, t.r->>7, false,
      CAST(t.r->>8 AS date), CAST(t.r->>9 AS date), CAST(t.r->>10 AS date),
      CAST(t.r->>11 AS numeric), 1
  FROM jsonb_array_elements(CAST(:offers AS jsonb)) AS t(r)
  JOIN new_vacancies AS v ON v.dwelling_id = t.r->>3 AND v.lease_id = t.r->>4
  RETURNING offers.id
), log_lines AS (
  INSERT INTO case_log (case_kind, case_id, action, detail)
  SELECT t.r->>0, t.r->>1, t.r->>2, t.r->>3
  FROM jsonb_array_elements(CAST(:logs AS jsonb)) WITH ORDINALITY AS t(r, n)
  ORDER BY t.n
  RETURNING case_log.id
), events AS (
  INSERT INTO outbox (event_id, topic, key, event_type, envelope)
  SELECT CAST(t.r->>'id' AS uuid), t.r->>'topic', t.r->>'subject', t.r->>'type', t.r
  FROM jsonb_array_elements(CAST(:events AS jsonb)) WITH ORDINALITY AS t(r, n)
  ORDER BY t.n
  RETURNING outbox.id
)
SELECT (SELECT count(*) FROM new_vacancies) AS vacancies,
    (SELECT count(*) FROM counts) AS counts,
    (SELECT count(*) FROM new_offers) AS offers,
    (SELECT count(*) FROM log_lines) AS logs,
    (SELECT count(*) FROM events) AS events
"""
)
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- the register's facts -------------------------------------------------------------

    async def upsert_dwelling(self, values: dict[str, Any]) -> bool:
        """Store the dwelling's vacancy facts if newer than held; True if applied."""
        insert = pg_insert(DwellingRow).values(values)
        updated = {k: insert.excluded[k] for k in values if k != "id"}
        statement = insert.on_conflict_do_update(
            index_elements=["id"],
            set_={**updated, "updated_at": func.now()},
            where=DwellingRow.vacancy_recorded_at < insert.excluded.vacancy_recorded_at,
        ).returning(DwellingRow.id)
        return (await self.session.execute(statement)).first() is not None

    async def apply_vacancy_facts(
        self,
        dwellings: Sequence[Sequence[Any]],
        rents: Sequence[Sequence[Any]],
        leases: Sequence[tuple[str, str]],
    ) -> set[tuple[str, str]]:
        """Store the dwellings' vacancy facts and rents where newer than held (``DWELLING_ROW``
        per dwelling, ``RENT_ROW`` per dwelling and day); the (dwelling, lease) pairs of
        ``leases`` whose vacancy is already stored."""
        result = await self.session.execute(
            _VACANCY_FACTS,
            {"dwellings": _ENCODE(dwellings), "rents": _ENCODE(rents), "leases": _ENCODE(leases)},
        )
        return {(row[0], row[1]) for row in result.all()}

    async def lock_agreements(self, keys: Sequence[tuple[str, str, str]]) -> list[Row[Any]]:
        """The agreements of these ``AGREEMENT_KEY`` keys as plain rows, locked until the
        transaction ends; in id order."""
        if not keys:
            return []
        return list((await self.session.execute(_LOCK_AGREEMENTS, {"keys": _ENCODE(keys)})).all())

    async def open_vacancies(
        self,
        vacancies: Sequence[Sequence[Any]],
        counts: Sequence[Sequence[Any]],
        offers: Sequence[Sequence[Any]],
        logs: Sequence[Sequence[str]],
        events: Sequence[dict[str, Any]],
    ) -> int:
        """Insert the new vacancies (``VACANCY_ROW``, with their decisions), set the agreements'
        counts (``COUNT_ROW``), insert the offers (``OFFER_ROW``), their case-log lines
        (``LOG_ROW``) and outbox events (``Envelope.to_structured``) in one statement, and
        wake the relay; the number of vacancies inserted (fewer than given if another
        transaction stored one of them meanwhile)."""
        result = await self.session.execute(
            _OPEN_VACANCIES,
            {
                "vacancies": _ENCODE(vacancies),
                "counts": _ENCODE(counts),
                "offers": _ENCODE(offers),
                "logs": _ENCODE(logs),
                "events": _ENCODE(events),
            },
        )
        inserted = int(result.one().vacancies)
        if events:
            await self.session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
        return inserted

    async def dwelling(self, dwelling_id: str) -> DwellingRow | None:
        return await self.session.get(DwellingRow, dwelling_id)

    async def record_rent(
        self, dwelling_id: str, from_day: date, monthly_rent: Decimal, recorded_at: datetime
    ) -> None:
        statement = pg_insert(RentRow).values(
            dwelling_id=dwelling_id,
            from_day=from_day,
            monthly_rent=monthly_rent,
            recorded_at=recorded_at,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["dwelling_id", "from_day"],
                set_={
                    "monthly_rent": statement.excluded.monthly_rent,
                    "recorded_at": statement.excluded.recorded_at,
                },
                where=RentRow.recorded_at < statement.excluded.recorded_at,
            )
        )

    async def rents(self, dwelling_id: str) -> Sequence[RentRow]:
        result = await self.session.scalars(
            select(RentRow).where(RentRow.dwelling_id == dwelling_id).order_by(RentRow.from_day)
        )
        return result.all()

    async def add_vacancy(self, values: dict[str, Any]) -> int | None:
        """The new vacancy's id; None when this lease's vacancy was seen before."""
        statement = (
            pg_insert(VacancyRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=["dwelling_id", "lease_id"])
            .returning(VacancyRow.id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def set_vacancy_decision(
        self, vacancy_id: int, agreement_id: str, number: int | None, municipal: bool
    ) -> None:
        await self.session.execute(
            update(VacancyRow)
            .where(VacancyRow.id == vacancy_id)
            .values(agreement_id=agreement_id, number=number, municipal=municipal)
        )

    # --- agreements -----------------------------------------------------------------------

    async def add(self, row: Any) -> None:
        self.session.add(row)
        await self.session.flush()

    async def agreements_for(
        self, municipality_code: str, organisation_id: str, housing_type: str
    ) -> Sequence[AgreementRow]:
        result = await self.session.scalars(
            select(AgreementRow)
            .where(
                AgreementRow.municipality_code == municipality_code,
                AgreementRow.organisation_id == organisation_id,
                AgreementRow.housing_type == housing_type,
            )
            .order_by(AgreementRow.created_at, AgreementRow.id)
        )
        return result.all()

    async def count_vacancy(self, agreement_id: str) -> int:
        """Count one more vacancy under the agreement; its number (row-locked, so concurrent
        vacancies get distinct numbers)."""
        result = await self.session.execute(
            update(AgreementRow)
            .where(AgreementRow.id == agreement_id)
            .values(counted=AgreementRow.counted + 1)
            .returning(AgreementRow.counted)
        )
        return int(result.scalar_one())

    async def agreement(self, agreement_id: str) -> AgreementRow | None:
        return await self.session.get(AgreementRow, agreement_id)

    async def list_agreements(
        self,
        condition: ColumnElement[bool],
        *,
        municipality_code: str | None,
        organisation_id: str | None,
        after: list[Any] | None,
        limit: int,
    ) -> Sequence[AgreementRow]:
        query = select(AgreementRow).where(condition)
        if municipality_code:
            query = query.where(AgreementRow.municipality_code == municipality_code)
        if organisation_id:
            query = query.where(AgreementRow.organisation_id == organisation_id)
        if after is not None:
            query = query.where(AgreementRow.id > after[0])
        result = await self.session.scalars(query.order_by(AgreementRow.id).limit(limit + 1))
        return result.all()

    # --- offers ---------------------------------------------------------------------------

    async def offer(self, offer_id: str) -> OfferRow | None:
        return await self.session.get(OfferRow, offer_id)

    async def close_offer(self, offer_id: str, values: dict[str, Any]) -> OfferRow | None:
        """Answer or lapse an open offer in one statement; None if it was not open any more
        (of two concurrent answers exactly one gets the row)."""
        result = await self.session.scalars(
            update(OfferRow)
            .where(OfferRow.id == offer_id, OfferRow.status == "open")
            .values(**values, version=OfferRow.version + 1)
            .returning(OfferRow)
            .execution_options(populate_existing=True)
        )
        return result.one_or_none()

    async def list_offers(
        self,
        condition: ColumnElement[bool],
        *,
        status: str | None,
        source: str | None,
        organisation_id: str | None,
        opened_from: date | None,
        after: list[Any] | None,
        limit: int,
    ) -> Sequence[OfferRow]:
        query = select(OfferRow).where(condition)
        if status:
            query = query.where(OfferRow.status == status)
        if source:
            query = query.where(OfferRow.source == source)
        if organisation_id:
            query = query.where(OfferRow.organisation_id == organisation_id)
        if opened_from:
            query = query.where(OfferRow.received_on >= opened_from)
        if after is not None:
            query = query.where(
                tuple_(OfferRow.received_on, OfferRow.id)
                < tuple_(date.fromisoformat(after[0]), after[1])
            )
        result = await self.session.scalars(
            query.order_by(OfferRow.received_on.desc(), OfferRow.id.desc()).limit(limit + 1)
        )
        return result.all()

    async def overdue_offers(self, today: date, limit: int = 500) -> Sequence[OfferRow]:
        result = await self.session.scalars(
            select(OfferRow)
            .where(OfferRow.status == "open", OfferRow.answer_due < today)
            .order_by(OfferRow.answer_due, OfferRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return result.all()

    async def offers_to_remind(self, today: date, limit: int = 500) -> Sequence[OfferRow]:
        """Open offers due within the next working day, not reminded yet (the exact window is
        the domain's ``reminder_due``; this narrows the rows to the next few days)."""
        result = await self.session.scalars(
            select(OfferRow)
            .where(
                OfferRow.status == "open",
                OfferRow.reminded_on.is_(None),
                OfferRow.answer_due >= today,
                OfferRow.answer_due <= today + timedelta(days=10),
            )
            .order_by(OfferRow.answer_due, OfferRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return result.all()

    async def accepted_unlet(self, dwelling_id: str) -> Sequence[OfferRow]:
        result = await self.session.scalars(
            select(OfferRow)
            .where(
                OfferRow.dwelling_id == dwelling_id,
                OfferRow.source == "social",
                OfferRow.status == "accepted",
                OfferRow.let_on.is_(None),
            )
            .with_for_update()
        )
        return result.all()

    async def open_offers_by_age(self, municipality_code: str | None) -> Sequence[tuple[date, int]]:
        query = select(OfferRow.received_on, func.count()).where(OfferRow.status == "open")
        if municipality_code:
            query = query.where(OfferRow.municipality_code == municipality_code)
        result = await self.session.execute(query.group_by(OfferRow.received_on))
        return [(row[0], int(row[1])) for row in result.all()]

    # --- the case log ---------------------------------------------------------------------

    async def log(
        self, kind: str, case_id: str, action: str, actor: str | None, detail: str
    ) -> None:
        self.session.add(
            CaseLogRow(case_kind=kind, case_id=case_id, action=action, actor=actor, detail=detail)
        )

    async def case_log(self, kind: str, case_id: str) -> Sequence[CaseLogRow]:
        result = await self.session.scalars(
            select(CaseLogRow)
            .where(CaseLogRow.case_kind == kind, CaseLogRow.case_id == case_id)
            .order_by(CaseLogRow.id)
        )
        return result.all()

    # --- subsidies ------------------------------------------------------------------------

    async def rates(self) -> dict[int, Decimal]:
        result = await self.session.execute(
            select(SubsidyRateRow.year, SubsidyRateRow.monthly_rate)
        )
        return {int(year): rate for year, rate in result.all()}

    async def set_rate(self, year: int, rate: Decimal, actor: str) -> None:
        statement = pg_insert(SubsidyRateRow).values(year=year, monthly_rate=rate, set_by=actor)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["year"],
                set_={"monthly_rate": rate, "set_by": actor, "set_at": func.now()},
            )
        )

    async def set_frame(
        self, municipality_code: str, year: int, dwellings: int, actor: str
    ) -> None:
        statement = pg_insert(FrameRow).values(
            municipality_code=municipality_code, year=year, dwellings=dwellings, granted_by=actor
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["municipality_code", "year"],
                set_={"dwellings": dwellings, "granted_by": actor, "granted_at": func.now()},
            )
        )

    async def frame_for_update(self, municipality_code: str, year: int) -> FrameRow | None:
        result = await self.session.scalars(
            select(FrameRow)
            .where(FrameRow.municipality_code == municipality_code, FrameRow.year == year)
            .with_for_update()
        )
        return result.one_or_none()

    async def frames(
        self,
        condition: ColumnElement[bool],
        year: int | None,
        after: list[Any] | None = None,
        limit: int | None = None,
    ) -> Sequence[tuple[FrameRow, int]]:
        """Frames with their use by year, then municipality; a page of ``limit`` + 1, or all."""
        used = (
            select(func.count())
            .where(
                SubsidyRow.municipality_code == FrameRow.municipality_code,
                SubsidyRow.frame_year == FrameRow.year,
            )
            .scalar_subquery()
        )
        query = select(FrameRow, used).where(condition)
        if year is not None:
            query = query.where(FrameRow.year == year)
        if after is not None:
            query = query.where(tuple_(FrameRow.year, FrameRow.municipality_code) > tuple_(*after))
        result = await self.session.execute(
            query.order_by(FrameRow.year, FrameRow.municipality_code).limit(
                None if limit is None else limit + 1
            )
        )
        return [(row[0], int(row[1])) for row in result.all()]

    async def subsidies_used(self, municipality_code: str, year: int) -> int:
        result = await self.session.execute(
            select(func.count()).where(
                SubsidyRow.municipality_code == municipality_code, SubsidyRow.frame_year == year
            )
        )
        return int(result.scalar_one())

    async def subsidy(self, subsidy_id: str) -> SubsidyRow | None:
        return await self.session.get(SubsidyRow, subsidy_id)

    async def subsidy_of_dwelling(self, dwelling_id: str) -> SubsidyRow | None:
        result = await self.session.scalars(
            select(SubsidyRow).where(
                SubsidyRow.dwelling_id == dwelling_id, SubsidyRow.move_out.is_(None)
            )
        )
        return result.first()

    async def list_subsidies(
        self,
        condition: ColumnElement[bool],
        *,
        year: int | None,
        after: list[Any] | None,
        limit: int,
    ) -> Sequence[SubsidyRow]:
        query = select(SubsidyRow).where(condition)
        if year is not None:
            query = query.where(SubsidyRow.frame_year == year)
        if after is not None:
            query = query.where(SubsidyRow.id > after[0])
        result = await self.session.scalars(query.order_by(SubsidyRow.id).limit(limit + 1))
        return result.all()

    # --- private rentals ------------------------------------------------------------------

    async def property(self, property_id: str) -> PropertyRow | None:
        return await self.session.get(PropertyRow, property_id)

    async def list_properties(
        self, condition: ColumnElement[bool], *, after: list[Any] | None, limit: int
    ) -> Sequence[PropertyRow]:
        query = select(PropertyRow).where(condition)
        if after is not None:
            query = query.where(PropertyRow.id > after[0])
        result = await self.session.scalars(query.order_by(PropertyRow.id).limit(limit + 1))
        return result.all()

    async def private_agreement(
        self, agreement_id: str, *, lock: bool = False
    ) -> PrivateAgreementRow | None:
        query = select(PrivateAgreementRow).where(PrivateAgreementRow.id == agreement_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.scalars(query)).one_or_none()

    async def private_agreement_of_property(self, property_id: str) -> PrivateAgreementRow | None:
        result = await self.session.scalars(
            select(PrivateAgreementRow).where(PrivateAgreementRow.property_id == property_id)
        )
        return result.one_or_none()

    async def list_private_agreements(
        self, condition: ColumnElement[bool], *, after: list[Any] | None, limit: int
    ) -> Sequence[PrivateAgreementRow]:
        query = select(PrivateAgreementRow).where(condition)
        if after is not None:
            query = query.where(PrivateAgreementRow.id > after[0])
        result = await self.session.scalars(query.order_by(PrivateAgreementRow.id).limit(limit + 1))
        return result.all()

    async def apartment_right(
        self, agreement_id: str, apartment_id: str
    ) -> ApartmentRightRow | None:
        return await self.session.get(ApartmentRightRow, (agreement_id, apartment_id))

    async def notice(self, notice_id: str) -> NoticeRow | None:
        return await self.session.get(NoticeRow, notice_id)

    async def private_agreements_of_municipality(
        self, municipality_code: str
    ) -> Sequence[PrivateAgreementRow]:
        result = await self.session.scalars(
            select(PrivateAgreementRow)
            .where(PrivateAgreementRow.municipality_code == municipality_code)
            .order_by(PrivateAgreementRow.id)
        )
        return result.all()

    async def compensated_offers(
        self, municipality_code: str, first: date, last: date
    ) -> Sequence[OfferRow]:
        result = await self.session.scalars(
            select(OfferRow)
            .where(
                OfferRow.municipality_code == municipality_code,
                OfferRow.source == "private",
                OfferRow.compensation_owed.is_not(None),
                OfferRow.settled_on.between(first, last),
            )
            .order_by(OfferRow.settled_on, OfferRow.id)
        )
        return result.all()

    async def subsidies_of(
        self, condition: ColumnElement[bool], year: int | None
    ) -> Sequence[SubsidyRow]:
        query = select(SubsidyRow).where(condition)
        if year is not None:
            query = query.where(SubsidyRow.frame_year == year)
        return (await self.session.scalars(query.order_by(SubsidyRow.id))).all()

    # --- § 5 reports and § 52 rounds ------------------------------------------------------

    async def vacancy_report(self, report_id: str) -> VacancyReportRow | None:
        return await self.session.get(VacancyReportRow, report_id)

    async def list_vacancy_reports(
        self,
        condition: ColumnElement[bool],
        *,
        status: str | None,
        after: list[Any] | None,
        limit: int,
    ) -> Sequence[VacancyReportRow]:
        query = select(VacancyReportRow).where(condition)
        if status:
            query = query.where(VacancyReportRow.status == status)
        if after is not None:
            query = query.where(VacancyReportRow.id > after[0])
        result = await self.session.scalars(query.order_by(VacancyReportRow.id).limit(limit + 1))
        return result.all()

    def _still_vacant(self, vacant_before: date) -> Select[VacancyRow, VacancyReportRow]:
        """Social dwellings still vacant (same lease, a flag set) since before the day given,
        with the § 5 report derived from the vacancy, if the municipality made one."""
        return (
            select(VacancyRow, VacancyReportRow)
            .join(DwellingRow, DwellingRow.id == VacancyRow.dwelling_id)
            .outerjoin(VacancyReportRow, VacancyReportRow.vacancy_id == VacancyRow.id)
            .where(
                DwellingRow.vacant.is_(True),
                DwellingRow.lease_id == VacancyRow.lease_id,
                VacancyRow.vacant_from < vacant_before,
            )
        )

    async def long_social_vacancies(
        self,
        condition: ColumnElement[bool],
        vacant_before: date,
        *,
        after: list[Any] | None,
        limit: int,
    ) -> Sequence[tuple[VacancyRow, VacancyReportRow | None]]:
        query = self._still_vacant(vacant_before).where(condition)
        if after is not None:
            query = query.where(VacancyRow.id > after[0])
        result = await self.session.execute(query.order_by(VacancyRow.id).limit(limit + 1))
        return [(row[0], row[1]) for row in result.all()]

    async def long_social_vacancy(
        self, dwelling_id: str, vacant_before: date
    ) -> tuple[VacancyRow, VacancyReportRow | None] | None:
        """The dwelling's current vacancy if it is over the § 5 limit, locked with its report."""
        query = self._still_vacant(vacant_before).where(VacancyRow.dwelling_id == dwelling_id)
        row = (await self.session.execute(query.with_for_update(of=VacancyRow))).first()
        return None if row is None else (row[0], row[1])

    async def invitation_round(self, round_id: str) -> InvitationRoundRow | None:
        return await self.session.get(InvitationRoundRow, round_id)

    async def list_rounds(
        self, municipality_codes: Sequence[str] | None, *, after: list[Any] | None, limit: int
    ) -> Sequence[InvitationRoundRow]:
        query = select(InvitationRoundRow)
        if municipality_codes is not None:
            query = query.where(InvitationRoundRow.municipality_code.in_(list(municipality_codes)))
        if after is not None:
            query = query.where(InvitationRoundRow.id > after[0])
        result = await self.session.scalars(query.order_by(InvitationRoundRow.id).limit(limit + 1))
        return result.all()

    async def landlord_municipalities(self, landlord_ids: Sequence[str]) -> list[str]:
        result = await self.session.scalars(
            select(PropertyRow.municipality_code)
            .where(PropertyRow.landlord_id.in_(list(landlord_ids)))
            .distinct()
        )
        return list(result.all())

    async def round_offers(self, round_id: str) -> Sequence[RoundOfferRow]:
        result = await self.session.scalars(
            select(RoundOfferRow)
            .where(RoundOfferRow.round_id == round_id)
            .order_by(RoundOfferRow.id)
        )
        return result.all()

    async def round_offer(self, offer_id: str) -> RoundOfferRow | None:
        return await self.session.get(RoundOfferRow, offer_id)

    async def frame_application(
        self, municipality_code: str, year: int
    ) -> FrameApplicationRow | None:
        return await self.session.get(FrameApplicationRow, (municipality_code, year))

    async def frame_applications(
        self, condition: ColumnElement[bool], year: int | None, after: list[Any] | None, limit: int
    ) -> Sequence[tuple[FrameApplicationRow, int | None]]:
        granted = (
            select(FrameRow.dwellings)
            .where(
                FrameRow.municipality_code == FrameApplicationRow.municipality_code,
                FrameRow.year == FrameApplicationRow.year,
            )
            .scalar_subquery()
        )
        query = select(FrameApplicationRow, granted).where(condition)
        if year is not None:
            query = query.where(FrameApplicationRow.year == year)
        if after is not None:
            key = tuple_(FrameApplicationRow.year, FrameApplicationRow.municipality_code)
            query = query.where(key > tuple_(*after))
        result = await self.session.execute(
            query.order_by(FrameApplicationRow.year, FrameApplicationRow.municipality_code).limit(
                limit + 1
            )
        )
        return [(row[0], row[1]) for row in result.all()]

    async def restoration_claim(self, claim_id: str) -> RestorationClaimRow | None:
        return await self.session.get(RestorationClaimRow, claim_id)

    async def restoration_claims(self, offer_id: str) -> Sequence[RestorationClaimRow]:
        result = await self.session.scalars(
            select(RestorationClaimRow)
            .where(RestorationClaimRow.offer_id == offer_id)
            .order_by(RestorationClaimRow.filed_at, RestorationClaimRow.id)
        )
        return result.all()

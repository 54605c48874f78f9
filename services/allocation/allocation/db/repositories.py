"""Every query of the allocation service. Visibility comes in as ``scope.filter(...)``."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    case,
    func,
    literal,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from allocation.db.models import (
    CURRENT_DWELLINGS,
    AgreementRow,
    ApartmentRightRow,
    CaseLogRow,
    DwellingRow,
    FrameApplicationRow,
    FrameRow,
    InvitationRoundRow,
    LetRow,
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
from common.db.locks import advisory_xact_lock
from common.events.outbox import NOTIFY_CHANNEL

# --- a fetched batch of vacancy events (``apply_vacancies``) --------------------------------
# The whole batch in one statement, from the validated events as one JSON document
# (``register_facts.statement_events``: per event an array of the values read, read once
# into ``jsonb``), exactly what ``apply_vacancy_changed``
# does event by event (tested row for row). Its parts run in this order (the final SELECT's
# scalar subqueries are evaluated left to right, each data-modifying part when first read):
#    - ``e``: the events in the batch's order (``n``), with their vacancy and their Danish day
#      (PostgreSQL's Europe/Copenhagen: the same IANA rules as
#      ``common.calendar.danish_date``);
#    - ``fresh``: the first vacant event of each lease whose vacancy is not stored yet, looked
#      up in the unique ``(dwelling_id, lease_id)`` index (the ``LIMIT 1`` lateral subquery is
#      not flattened into a hash join over a sequential scan of the whole table); it opens
#      the vacancy, whose row carries the event's facts of the dwelling;
#    - dwellings: of each dwelling that has an event opening no vacancy, the newest event, the
#      first of equals, stored if it opens no vacancy and is newer than every fact held — the
#      ``dwellings`` row (``ON CONFLICT``'s condition) and the dwelling's vacancies (a
#      vacancy as new is a fact stored before) — all before any agreement is locked;
#    - ``chosen``: its agreement — ``domain.quota``'s choice: a valid listed agreement naming
#      the dwelling first, else the first valid quota agreement, oldest first;
#    - ``locked``: the chosen quota agreements, row-locked in id order (two partitions'
#      batches never deadlock on each other) and read as they are once locked: a row another
#      transaction updated and committed while this one waited comes back in its new version
#      (READ COMMITTED's re-check), so ``counted`` is the final count. Only from here to the
#      COMMIT does a batch hold the agreements, so the batches of other partitions store
#      their dwellings and lease lookups meanwhile instead of queueing behind it; the
#      per-event path's ``count_vacancy`` UPDATE takes the same row locks;
#    - ``decided``: the vacancy ids (drawn in the batch's order) and the decision (the locked
#      counts looked up in one ``jsonb`` object by agreement id, built once: a join of the two CTEs was
#      planned as a nested loop, the batch's events × its agreements) — a quota
#      agreement's n-th new vacancy of the batch is number ``counted + n`` and the
#      municipality's when ``floor(n·p/q) > floor((n−1)·p/q)``, a listed dwelling always is;
#    - the vacancies with their decisions, the agreements' new counts, and per municipal
#      vacancy an offer, its case-log line and its ``allocation.offer.opened`` outbox event
#      (``:envelope``: one envelope of the contract, built and validated once per batch, with
#      the offer's own values put in; read into ``jsonb`` once, by a materialised CTE: in the
#      generic plan psycopg's prepared statement gets after five executions, a cast of the
#      parameter in a subquery is pulled up and parsed again per reference and offer), in the
#      batch's order;
#    - rents: an event's rent only if its dwelling has a social offer once the event is
#      applied — one stored before (``ix_offers_dwelling``; this statement's own offers are
#      not in its snapshot) or one this batch opens at this event or an earlier one (the
#      rent history is read only for a social offer's liability); the newest per dwelling and
#      day, the first of equals, stored where newer than held; the dwellings among them with
#      an accepted social offer are returned (``accepted``): the caller settles their
#      liability with the new rents (``services.liability``).
#    ``:due`` gives the answer day (7 Danish working days, ``domain.notices``) per received
#    day; a day missing from it fails the NOT NULL of ``offers.answer_due``. A vacancy that
#    another transaction stored after this statement's snapshot fails the unique index (the
#    batch is then rolled back and applied event by event). If it wrote outbox events it
#    wakes the relay itself (``pg_notify`` in the final SELECT, delivered at COMMIT as the
#    kit's ``write_outbox`` does): no NOTIFY round trip while the agreements are locked.
#    Returns how many vacancies and offers it stored, and the dwellings to settle.
_APPLY_VACANCIES = text(
    """
WITH e AS MATERIALIZED (
  SELECT t.*, CAST(t.recorded_at AT TIME ZONE 'Europe/Copenhagen' AS date) AS day,
      t.vacancy_loss_flag OR t.vacant_soon_flag AS vacant
  FROM (
    SELECT v->>0 AS dwelling_id, v->>1 AS lease_id, v->>2 AS department_id,
        v->>3 AS organisation_id, v->>4 AS municipality_code, v->>5 AS housing_type,
        CAST(v->>6 AS date) AS lease_end_date, CAST(v->>7 AS boolean) AS vacancy_loss_flag,
        CAST(v->>8 AS boolean) AS vacant_soon_flag, CAST(v->>9 AS numeric) AS monthly_rent,
        CAST(v->>10 AS timestamptz) AS recorded_at, a.n
    FROM jsonb_array_elements(CAST(:events AS jsonb)) WITH ORDINALITY AS a(v, n)
  ) AS t
), fresh AS MATERIALIZED (
  SELECT l.* FROM (
    SELECT DISTINCT ON (e.dwelling_id, e.lease_id) e.n, e.dwelling_id, e.lease_id,
        e.department_id, e.organisation_id, e.municipality_code, e.housing_type, e.day,
        e.monthly_rent, e.recorded_at, COALESCE(e.lease_end_date + 1, e.day) AS starts
    FROM e WHERE e.vacant ORDER BY e.dwelling_id, e.lease_id, e.n
  ) AS l
  LEFT JOIN LATERAL (
    SELECT true AS held FROM vacancies AS h
    WHERE h.dwelling_id = l.dwelling_id AND h.lease_id = l.lease_id
    LIMIT 1
  ) AS k ON true
  WHERE k.held IS NULL
), dwelling_rows AS (
  INSERT INTO dwellings AS held (id, department_id, organisation_id, municipality_code,
      housing_type, lease_id, vacant, monthly_rent, vacancy_recorded_at)
  SELECT newest.dwelling_id, newest.department_id, newest.organisation_id,
      newest.municipality_code, newest.housing_type, newest.lease_id, newest.vacant,
      newest.monthly_rent, newest.recorded_at
  FROM (
    SELECT DISTINCT ON (e.dwelling_id) e.*
    FROM e
    WHERE e.dwelling_id IN (SELECT o.dwelling_id FROM e AS o
                            WHERE o.n NOT IN (SELECT f.n FROM fresh AS f))
    ORDER BY e.dwelling_id, e.recorded_at DESC, e.n
  ) AS newest
  LEFT JOIN LATERAL (
    SELECT true AS held FROM vacancies AS v
    WHERE v.dwelling_id = newest.dwelling_id AND v.recorded_at >= newest.recorded_at
    LIMIT 1
  ) AS k ON true
  WHERE newest.n NOT IN (SELECT f.n FROM fresh AS f) AND k.held IS NULL
  ON CONFLICT (id) DO UPDATE SET department_id = EXCLUDED.department_id,
      organisation_id = EXCLUDED.organisation_id, municipality_code = EXCLUDED.municipality_code,
      housing_type = EXCLUDED.housing_type, lease_id = EXCLUDED.lease_id,
      vacant = EXCLUDED.vacant, monthly_rent = EXCLUDED.monthly_rent,
      vacancy_recorded_at = EXCLUDED.vacancy_recorded_at, updated_at = now()
  WHERE held.vacancy_recorded_at < EXCLUDED.vacancy_recorded_at
  RETURNING 1
), chosen AS MATERIALIZED (
  SELECT f.*, a.id AS agreement_id, a.kind, a.share
  FROM fresh AS f
  LEFT JOIN LATERAL (
    SELECT a.id, a.kind, a.share FROM agreements AS a
    WHERE a.municipality_code = f.municipality_code
        AND a.organisation_id = f.organisation_id AND a.housing_type = f.housing_type
        AND a.valid_from <= f.starts AND (a.valid_to IS NULL OR f.starts <= a.valid_to)
        AND (a.kind = 'quota' OR (a.kind = 'listed' AND f.dwelling_id = ANY (a.dwelling_ids)))
    ORDER BY a.kind = 'listed' DESC, a.created_at, a.id
    LIMIT 1
  ) AS a ON true
), locked AS MATERIALIZED (
  SELECT a.id, a.counted FROM agreements AS a
  WHERE a.id IN (SELECT c.agreement_id FROM chosen AS c WHERE c.kind = 'quota')
  ORDER BY a.id
  FOR UPDATE OF a
), decided AS MATERIALIZED (
  SELECT d.*, CASE d.kind WHEN 'listed' THEN true
      WHEN 'quota' THEN (d.number * d.p) / d.q > ((d.number - 1) * d.p) / d.q END AS municipal
  FROM (
    SELECT nextval((SELECT CAST(pg_get_serial_sequence('vacancies', 'id') AS regclass)))
        AS vacancy_id, c.*,
        CASE WHEN c.kind = 'quota' THEN CAST(
            (SELECT jsonb_object_agg(l.id, l.counted) FROM locked AS l)->>c.agreement_id
            AS integer) + row_number() OVER (PARTITION BY c.agreement_id ORDER BY c.n)
        END AS number,
        CAST(split_part(c.share, '/', 1) AS bigint) AS p,
        CAST(split_part(c.share, '/', 2) AS bigint) AS q
    FROM chosen AS c
    ORDER BY c.n
  ) AS d
), new_vacancies AS (
  INSERT INTO vacancies (id, dwelling_id, lease_id, organisation_id, municipality_code,
      housing_type, department_id, monthly_rent, vacant_from, agreement_id, number, municipal,
      recorded_at)
  SELECT d.vacancy_id, d.dwelling_id, d.lease_id, d.organisation_id, d.municipality_code,
      d.housing_type, d.department_id, d.monthly_rent, d.starts, d.agreement_id, d.number,
      COALESCE(d.municipal, false), d.recorded_at
  FROM decided AS d ORDER BY d.n
  RETURNING id
), counts AS (
  UPDATE agreements AS a SET counted = c.counted
  FROM (SELECT agreement_id, max(number) AS counted FROM decided
        WHERE number IS NOT NULL GROUP BY agreement_id) AS c
  WHERE a.id = c.agreement_id
  RETURNING a.id
), opened AS MATERIALIZED (
  SELECT d.n, 'off-' || left(replace(CAST(gen_random_uuid() AS text), '-', ''), 16) AS id,
      gen_random_uuid() AS event_id, d.vacancy_id, d.agreement_id, d.dwelling_id,
      d.organisation_id, d.municipality_code, d.day, due.due, d.starts, d.monthly_rent,
      d.number
  FROM decided AS d
  LEFT JOIN (SELECT CAST(t.key AS date) AS day, CAST(t.value AS date) AS due
             FROM json_each_text(CAST(:due AS json)) AS t) AS due ON due.day = d.day
  WHERE d.municipal
), new_offers AS (
  INSERT INTO offers (id, source, agreement_id, vacancy_id, dwelling_id, organisation_id,
      municipality_code, status, is_repeat, received_on, answer_due, available_from,
      monthly_rent, version)
  SELECT o.id, 'social', o.agreement_id, o.vacancy_id, o.dwelling_id, o.organisation_id,
      o.municipality_code, 'open', false, o.day, o.due, o.starts, o.monthly_rent, 1
  FROM opened AS o ORDER BY o.n
  RETURNING offers.id
), log_lines AS (
  INSERT INTO case_log (case_kind, case_id, action, detail)
  SELECT 'offer', o.id, 'opened', format(
      'Dwelling %s vacant from %s: %s under agreement %s; answer due %s.', o.dwelling_id,
      to_char(o.starts, 'YYYY-MM-DD'),
      COALESCE('vacancy no. ' || o.number, 'a listed dwelling'), o.agreement_id,
      to_char(o.due, 'YYYY-MM-DD'))
  FROM opened AS o ORDER BY o.n
  RETURNING case_log.id
), envelope AS MATERIALIZED (
  SELECT body, body->'data' AS data, body->>'topic' AS topic, body->>'type' AS type
  FROM (SELECT CAST(:envelope AS jsonb) AS body) AS given
), events AS (
  INSERT INTO outbox (event_id, topic, key, event_type, envelope)
  SELECT o.event_id, envelope.topic, o.id, envelope.type,
      envelope.body || jsonb_build_object('id', o.event_id, 'subject', o.id,
          'data', envelope.data || jsonb_build_object('offer_id', o.id,
              'agreement_id', o.agreement_id, 'dwelling_id', o.dwelling_id,
              'organisation_id', o.organisation_id, 'municipality_code', o.municipality_code,
              'available_from', to_char(o.starts, 'YYYY-MM-DD'),
              'answer_due', to_char(o.due, 'YYYY-MM-DD')))
  FROM opened AS o CROSS JOIN envelope
  ORDER BY o.n
  RETURNING outbox.id
), rent_rows AS (
  INSERT INTO rents AS held (dwelling_id, from_day, monthly_rent, recorded_at)
  SELECT DISTINCT ON (e.dwelling_id, e.day) e.dwelling_id, e.day, e.monthly_rent, e.recorded_at
  FROM e
  LEFT JOIN (SELECT o.dwelling_id, min(o.n) AS n FROM opened AS o GROUP BY o.dwelling_id)
      AS first_offer ON first_offer.dwelling_id = e.dwelling_id
  WHERE e.n >= first_offer.n OR EXISTS (
      SELECT FROM offers AS f WHERE f.dwelling_id = e.dwelling_id AND f.source = 'social')
  ORDER BY e.dwelling_id, e.day, e.recorded_at DESC, e.n
  ON CONFLICT (dwelling_id, from_day) DO UPDATE SET monthly_rent = EXCLUDED.monthly_rent,
      recorded_at = EXCLUDED.recorded_at
  WHERE held.recorded_at < EXCLUDED.recorded_at
  RETURNING held.dwelling_id
)
SELECT (SELECT count(*) FROM dwelling_rows) AS dwellings,
    (SELECT count(*) FROM new_vacancies) AS vacancies,
    (SELECT count(*) FROM counts) AS counts,
    (SELECT count(*) FROM new_offers) AS offers,
    (SELECT count(*) FROM log_lines) AS logs,
    (SELECT count(*) FROM events) AS events,
    (SELECT count(*) FROM rent_rows) AS rents,
    (SELECT array_agg(DISTINCT r.dwelling_id) FROM rent_rows AS r WHERE EXISTS (
        SELECT FROM offers AS f WHERE f.dwelling_id = r.dwelling_id AND f.source = 'social'
            AND f.status = 'accepted')) AS accepted,
    (SELECT count(pg_notify(:channel, '')) FROM (SELECT FROM events LIMIT 1) AS one) AS woken
"""
)
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- the register's facts -------------------------------------------------------------

    async def upsert_dwelling(self, values: dict[str, Any]) -> bool:
        """Store the dwelling's facts of an event that opened no vacancy if newer than every
        fact held for it (its ``dwellings`` row and its vacancies); True if stored."""
        held_vacancy = (
            select(VacancyRow.id)
            .where(
                VacancyRow.dwelling_id == values["id"],
                VacancyRow.recorded_at >= values["vacancy_recorded_at"],
            )
            .exists()
        )
        columns = DwellingRow.__table__.c
        insert = pg_insert(DwellingRow).from_select(
            list(values),
            select(*(literal(v, columns[k].type) for k, v in values.items())).where(~held_vacancy),
        )
        updated = {k: insert.excluded[k] for k in values if k != "id"}
        statement = insert.on_conflict_do_update(
            index_elements=["id"],
            set_={**updated, "updated_at": func.now()},
            where=DwellingRow.vacancy_recorded_at < insert.excluded.vacancy_recorded_at,
        ).returning(DwellingRow.id)
        return (await self.session.execute(statement)).first() is not None

    async def apply_vacancies(
        self, events: str, due: Mapping[str, str], envelope: Mapping[str, Any]
    ) -> tuple[int, int, list[str]]:
        """Apply a batch of vacancy events (a JSON array of ``DwellingVacancyChangedV1``
        objects) in one statement (``_APPLY_VACANCIES``, which also wakes the relay if offers
        were opened): (vacancies stored, offers opened, the dwellings with an accepted social
        offer whose rents it stored)."""
        result = (
            await self.session.execute(
                _APPLY_VACANCIES,
                {
                    "events": events,
                    "due": _ENCODE(due),
                    "envelope": _ENCODE(envelope),
                    "channel": NOTIFY_CHANNEL,
                },
            )
        ).one()
        return int(result.vacancies), int(result.offers), list(result.accepted or ())

    async def dwelling(self, dwelling_id: str) -> Row[Any] | None:
        """The dwelling as the register last described it (``CURRENT_DWELLINGS``)."""
        result = await self.session.execute(
            select(CURRENT_DWELLINGS).where(CURRENT_DWELLINGS.c.id == dwelling_id)
        )
        return result.first()

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

    async def has_social_offer(self, dwelling_id: str) -> bool:
        """Whether the dwelling has a social offer (any status; ``ix_offers_dwelling``)."""
        statement = select(
            select(OfferRow.id)
            .where(OfferRow.dwelling_id == dwelling_id, OfferRow.source == "social")
            .exists()
        )
        return bool(await self.session.scalar(statement))

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

    async def offer(self, offer_id: str, *, lock: bool = False) -> OfferRow | None:
        """The offer; ``lock``: row-locked — taken before its agreement, in the deadline
        round's order (offer, then agreement), so an answer and the round never deadlock."""
        return await self.session.get(OfferRow, offer_id, with_for_update=lock)

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

    async def hold_dwellings(self, dwelling_ids: Collection[str]) -> None:
        """The dwellings' locks until the transaction ends: an answer to a dwelling's offer, its
        new lease and its rents wait for each other (``services.liability``)."""
        await advisory_xact_lock(self.session, "allocation.dwellings", dwelling_ids)

    async def accepted_social_offers(self, dwelling_id: str) -> Sequence[OfferRow]:
        result = await self.session.scalars(
            select(OfferRow)
            .where(
                OfferRow.dwelling_id == dwelling_id,
                OfferRow.source == "social",
                OfferRow.status == "accepted",
            )
            .order_by(OfferRow.available_from, OfferRow.id)
            .with_for_update()
        )
        return result.all()

    async def record_let(
        self, dwelling_id: str, lease_id: str, let_on: date, allocation_type: str
    ) -> None:
        await self.session.execute(
            pg_insert(LetRow)
            .values(
                dwelling_id=dwelling_id,
                lease_id=lease_id,
                let_on=let_on,
                allocation_type=allocation_type,
            )
            .on_conflict_do_nothing()
        )

    async def first_let(self, dwelling_id: str, on_or_after: date) -> LetRow | None:
        """The dwelling's first lease starting on ``on_or_after`` or later."""
        result = await self.session.scalars(
            select(LetRow)
            .where(LetRow.dwelling_id == dwelling_id, LetRow.let_on >= on_or_after)
            .order_by(LetRow.let_on, LetRow.lease_id)
            .limit(1)
        )
        return result.first()

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

    async def subsidy(self, subsidy_id: str, *, lock: bool = False) -> SubsidyRow | None:
        """The subsidy; ``lock``: row-locked, so of two move-outs at once the second sees the
        first's."""
        return await self.session.get(SubsidyRow, subsidy_id, with_for_update=lock)

    async def subsidy_overlapping(self, dwelling_id: str, move_in: date) -> SubsidyRow | None:
        """A subsidy of the dwelling still running on ``move_in`` or after it (one not ended, or
        ended after that day): a new subsidy from ``move_in`` would be paid for the same days."""
        result = await self.session.scalars(
            select(SubsidyRow)
            .where(
                SubsidyRow.dwelling_id == dwelling_id,
                SubsidyRow.move_out.is_(None) | (SubsidyRow.move_out > move_in),
            )
            .order_by(SubsidyRow.move_in)
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

    async def private_agreement_of_cadastre(self, cadastral_id: str) -> PrivateAgreementRow | None:
        """The agreement made on the cadastral property (§ 53(1) binds the property, registered on
        it), whichever of its property rows it was made on; cadastral ids compared without case."""
        result = await self.session.scalars(
            select(PrivateAgreementRow)
            .join(PropertyRow, PropertyRow.id == PrivateAgreementRow.property_id)
            .where(func.upper(PropertyRow.cadastral_id) == cadastral_id.upper())
            .limit(1)
        )
        return result.first()

    async def hold_cadastre(self, cadastral_id: str) -> None:
        """The cadastral property's lock until the transaction ends: two agreements on it (on
        two of its property rows) are made one at a time."""
        await advisory_xact_lock(self.session, "allocation.cadastres", cadastral_id.upper())

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

    async def open_offer_of_apartment(
        self, agreement_id: str, apartment_id: str
    ) -> OfferRow | None:
        """The agreement's open offer of the apartment (or of a stand-in for it), if any."""
        result = await self.session.scalars(
            select(OfferRow).where(
                OfferRow.agreement_id == agreement_id,
                (OfferRow.dwelling_id == apartment_id) | (OfferRow.substitutes_for == apartment_id),
                OfferRow.status == "open",
            )
        )
        return result.first()

    async def notice_overlapping(
        self, agreement_id: str, apartment_id: str, available_from: date, until: date
    ) -> tuple[NoticeRow, date] | None:
        """The agreement's earlier notice of the apartment whose vacancy overlaps the period
        ``available_from`` to ``until``, with the day its vacancy ended: the day its offer
        reported the apartment let, else the day a notice to quit would have taken effect (at
        least a day after it began). Notices from before migration 0008 that opened no offer
        have no period and are not compared."""
        let_on = case((OfferRow.substitutes_for.is_(None), OfferRow.let_on))
        ended = func.greatest(
            func.coalesce(let_on, NoticeRow.notice_to_quit_effective),
            NoticeRow.available_from + 1,
        )
        result = await self.session.execute(
            select(NoticeRow, ended)
            .outerjoin(OfferRow, OfferRow.id == NoticeRow.offer_id)
            .where(
                NoticeRow.agreement_id == agreement_id,
                NoticeRow.apartment_id == apartment_id,
                NoticeRow.available_from < max(until, available_from + timedelta(days=1)),
                ended > available_from,
            )
            .order_by(NoticeRow.available_from)
            .limit(1)
        )
        row = result.first()
        return None if row is None else (row[0], row[1])

    async def open_first_uses(self, agreement_id: str) -> int:
        """The agreement's open offers that would use a right (not repeats)."""
        result = await self.session.execute(
            select(func.count()).where(
                OfferRow.agreement_id == agreement_id,
                OfferRow.status == "open",
                OfferRow.is_repeat.is_(False),
            )
        )
        return int(result.scalar_one())

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

    async def standing_vacancy_report(
        self, landlord_id: str, dwelling_ref: str, vacant_since: date
    ) -> VacancyReportRow | None:
        """The landlord's report of the dwelling still undecided, or of the same vacancy (taken
        under the dwelling's lock, so two at once are one at a time)."""
        await advisory_xact_lock(
            self.session, "allocation.vacancy-reports", f"{landlord_id}/{dwelling_ref}"
        )
        result = await self.session.scalars(
            select(VacancyReportRow)
            .where(
                VacancyReportRow.landlord_id == landlord_id,
                VacancyReportRow.dwelling_ref == dwelling_ref,
                VacancyReportRow.vacancy_id.is_(None),
                (VacancyReportRow.status == "reported")
                | (VacancyReportRow.vacant_since == vacant_since),
            )
            .order_by(VacancyReportRow.reported_on)
            .limit(1)
        )
        return result.first()

    async def vacancy_report(self, report_id: str) -> VacancyReportRow | None:
        """The report, row-locked: of two decisions at once the second sees the first's."""
        return await self.session.get(VacancyReportRow, report_id, with_for_update=True)

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
        # per vacancy: the view's two tables probed by the dwelling's id (a LATERAL subquery
        # with LIMIT is not pulled up, so the whole view is not computed and joined)
        current = (
            select(CURRENT_DWELLINGS.c.vacant, CURRENT_DWELLINGS.c.lease_id)
            .where(CURRENT_DWELLINGS.c.id == VacancyRow.dwelling_id)
            .limit(1)
            .lateral("current")
        )
        return (
            select(VacancyRow, VacancyReportRow)
            .select_from(VacancyRow)
            .join(current, true())
            .outerjoin(VacancyReportRow, VacancyReportRow.vacancy_id == VacancyRow.id)
            .where(
                current.c.vacant.is_(True),
                current.c.lease_id == VacancyRow.lease_id,
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

    async def round_offer(self, offer_id: str, *, lock: bool = False) -> RoundOfferRow | None:
        """The binding offer; ``lock``: row-locked, so of two decisions the second sees the
        first's."""
        return await self.session.get(RoundOfferRow, offer_id, with_for_update=lock)

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
        """The claim, row-locked: of two decisions at once the second sees the first's."""
        return await self.session.get(RestorationClaimRow, claim_id, with_for_update=True)

    async def restoration_claims(self, offer_id: str) -> Sequence[RestorationClaimRow]:
        result = await self.session.scalars(
            select(RestorationClaimRow)
            .where(RestorationClaimRow.offer_id == offer_id)
            .order_by(RestorationClaimRow.filed_at, RestorationClaimRow.id)
        )
        return result.all()

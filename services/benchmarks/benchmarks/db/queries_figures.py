"""The SQL that turns the facts of a set of departments into their figures per year.

One statement per batch of departments (set-based, so a catch-up recomputes thousands of
departments at a time). The definitions it implements are those of
:mod:`benchmarks.domain.figures`; the years of a department are the ``history`` years up to
its *last year*: the latest year in which the register recorded anything about it, or its
latest accounts year.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import text

REGISTER_AND_ACCOUNTS: Final = text(
    """
WITH ids AS (
    SELECT unnest(CAST(:ids AS text[])) AS department_id
),
last AS (
    SELECT i.department_id, greatest(
        (SELECT max(extract(year FROM greatest(l.state_recorded_at, l.end_recorded_at)
                AT TIME ZONE 'UTC'))::int
         FROM leases l WHERE l.department_id = i.department_id),
        (SELECT extract(year FROM d.recorded_at AT TIME ZONE 'UTC')::int
         FROM departments d WHERE d.department_id = i.department_id),
        (SELECT max(a.accounts_year) FROM accounts a WHERE a.department_id = i.department_id)
    ) AS last_year
    FROM ids i
),
years AS (
    SELECT department_id, y AS year
    FROM last, generate_series(last_year - :history + 1, last_year) AS y
    WHERE last_year IS NOT NULL
),
effective AS (
    -- each lease up to the day before the dwelling's next lease starts: where leases overlap,
    -- the later one counts
    SELECT l.lease_id, l.dwelling_id, l.department_id, l.area_m2, l.start_date,
        least(
            coalesce(l.end_date, CAST('infinity' AS date)),
            coalesce(
                lead(l.start_date) OVER (
                    PARTITION BY l.dwelling_id ORDER BY l.start_date, l.lease_id
                ) - 1,
                CAST('infinity' AS date)
            )
        ) AS end_date
    FROM leases l JOIN ids USING (department_id)
    WHERE l.area_m2 IS NOT NULL
),
rents AS (
    -- a rent holds from its day to the day before the next; the first also before it
    SELECT r.lease_id, r.monthly_rent,
        CASE WHEN row_number() OVER w = 1 THEN CAST('-infinity' AS date)
             ELSE r.effective_from END AS valid_from,
        coalesce(lead(r.effective_from) OVER w - 1, CAST('infinity' AS date)) AS valid_to
    FROM rent_points r JOIN effective e USING (lease_id)
    WINDOW w AS (PARTITION BY r.lease_id ORDER BY r.effective_from)
),
flags AS (
    -- a flag recorded at a moment holds from the next day (Danish time) to the day before the
    -- next flag's; the first also before it
    SELECT f.lease_id, f.vacancy_loss_flag,
        CASE WHEN row_number() OVER w = 1 THEN CAST('-infinity' AS date)
             ELSE CAST(f.recorded_at AT TIME ZONE 'Europe/Copenhagen' AS date) + 1 END
            AS valid_from,
        coalesce(
            CAST(lead(f.recorded_at) OVER w AT TIME ZONE 'Europe/Copenhagen' AS date),
            CAST('infinity' AS date)
        ) AS valid_to
    FROM vacancy_flags f JOIN effective e USING (lease_id)
    WINDOW w AS (PARTITION BY f.lease_id ORDER BY f.recorded_at)
),
pieces AS (
    SELECT e.department_id, e.dwelling_id, e.area_m2, r.monthly_rent AS rent,
        coalesce(fl.vacancy_loss_flag, false) AS tomgang, y.year,
        CAST(date_trunc('month', greatest(e.start_date, r.valid_from, fl.valid_from,
                make_date(y.year, 1, 1)) + interval '1 month' - interval '1 day') AS date)
            AS first_month,
        CAST(date_trunc('month', least(e.end_date, r.valid_to, fl.valid_to,
                make_date(y.year, 12, 31))) AS date) AS last_month
    FROM effective e
    JOIN years y ON y.department_id = e.department_id
    LEFT JOIN rents r ON r.lease_id = e.lease_id
    LEFT JOIN flags fl ON fl.lease_id = e.lease_id
),
counted AS (
    SELECT *,
        (extract(year FROM last_month) * 12 + extract(month FROM last_month))
        - (extract(year FROM first_month) * 12 + extract(month FROM first_month)) + 1 AS months
    FROM pieces
),
valued AS (
    SELECT * FROM counted WHERE months > 0
),
register AS (
    SELECT department_id, year,
        sum(months) AS dwelling_months,
        coalesce(sum(months) FILTER (WHERE tomgang), 0) AS tomgang_months,
        sum(months * rent) FILTER (WHERE rent IS NOT NULL) AS rent_sum,
        sum(months * area_m2) FILTER (WHERE rent IS NOT NULL) AS rented_area_sum,
        count(DISTINCT dwelling_id) AS dwellings
    FROM valued GROUP BY department_id, year
),
sizes AS (
    SELECT department_id, year, avg(area_m2) AS average_size
    FROM (
        SELECT DISTINCT ON (department_id, year, dwelling_id) department_id, year, area_m2
        FROM valued ORDER BY department_id, year, dwelling_id, last_month DESC
    ) last_area
    GROUP BY department_id, year
),
move_outs AS (
    SELECT l.department_id, CAST(extract(year FROM l.end_date) AS int) AS year,
        count(*) AS move_outs
    FROM leases l JOIN ids USING (department_id)
    WHERE l.end_date IS NOT NULL AND l.state_recorded_at IS NOT NULL
    GROUP BY 1, 2
),
relettings AS (
    SELECT l.department_id, CAST(extract(year FROM l.start_date) AS int) AS year,
        count(*) AS relettings,
        count(*) FILTER (WHERE l.allocation_type = 'municipal_allocation') AS municipal
    FROM leases l JOIN ids USING (department_id)
    WHERE l.state_recorded_at IS NOT NULL
      AND EXISTS (
        SELECT 1 FROM leases earlier
        WHERE earlier.dwelling_id = l.dwelling_id AND earlier.start_date < l.start_date
      )
    GROUP BY 1, 2
),
owner AS (
    SELECT DISTINCT ON (l.department_id) l.department_id, l.organisation_id,
        l.municipality_code, l.housing_type
    FROM leases l JOIN ids USING (department_id)
    WHERE l.state_recorded_at IS NOT NULL
    ORDER BY l.department_id, l.state_recorded_at DESC, l.lease_id
),
accounts_owner AS (
    SELECT DISTINCT ON (a.department_id) a.department_id, a.organisation_id, a.municipality_code
    FROM accounts a JOIN ids USING (department_id)
    ORDER BY a.department_id, a.accounts_year DESC
)
SELECT y.department_id, y.year,
    coalesce(d.organisation_id, o.organisation_id, ao.organisation_id) AS organisation_id,
    coalesce(d.municipality_code, o.municipality_code, ao.municipality_code)
        AS municipality_code,
    coalesce(d.housing_type, o.housing_type) AS housing_type,
    d.region, d.building_type, d.construction_year,
    coalesce(r.dwellings, 0) AS register_dwellings,
    r.dwelling_months, r.tomgang_months, r.rent_sum, r.rented_area_sum,
    s.average_size, coalesce(mo.move_outs, 0) AS move_outs,
    rl.relettings, rl.municipal,
    a.dwellings AS accounts_dwellings, a.total_area_m2, a.administration_cost,
    a.maintenance_cost, a.vacancy_rent_loss, a.operating_cost
FROM years y
LEFT JOIN departments d ON d.department_id = y.department_id
LEFT JOIN owner o ON o.department_id = y.department_id
LEFT JOIN accounts_owner ao ON ao.department_id = y.department_id
LEFT JOIN register r ON r.department_id = y.department_id AND r.year = y.year
LEFT JOIN sizes s ON s.department_id = y.department_id AND s.year = y.year
LEFT JOIN move_outs mo ON mo.department_id = y.department_id AND mo.year = y.year
LEFT JOIN relettings rl ON rl.department_id = y.department_id AND rl.year = y.year
LEFT JOIN accounts a ON a.department_id = y.department_id AND a.accounts_year = y.year
ORDER BY y.department_id, y.year
"""
)

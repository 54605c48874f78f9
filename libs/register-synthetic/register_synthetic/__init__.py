"""A synthetic national rent register (huslejeregister): demo and benchmark data.

Everything is drawn from one seed (``random.Random``, never the global random state), so the
same arguments give the same register, and it is **streamed**: departments are generated one at
a time with their building sections, dwellings, leases and housing expenses, so memory stays flat
whatever the scale. ``dwellings`` scales the register (640,000 is the national stock, seed 003);
the shares below hold at every scale.

Shape of the data (the figures are seed 003's, the rest are documented assumptions):

* **Organisations**: ~500 nationally (scaled), each with a CVR number passing the modulus-11
  check, a home municipality and a name; a few of them (``NATIONAL_ADMINISTRATORS``) also act as
  administration organisations and ~10 % of the others have ``administered_by`` set to one of them.
* **Departments**: the dwellings are apportioned over the 98 municipalities by
  ``MUNICIPALITY_WEIGHTS`` (≈ population, the four big cities weighted up), then over the housing
  types (78 / 14 / 8 %), then cut into departments of log-normally distributed size; the
  departments are shuffled so any prefix of the stream is a national sample. A department is
  owned by an organisation of its municipality (``LOCAL_OWNER_SHARE``), else of its region.
* **Dwellings**: addresses on a fixed list of Danish street names and the municipality's postcodes
  (``MUNICIPALITY_GEOGRAPHY``), rooms and area by housing type, accessibility by building type.
* **Rent** (rent-forming expenses as of the snapshot date, 1 January of ``relet_year + 1``,
  Figure 4's date): family dwellings follow Figure 4's bands; youth and elderly dwellings have
  their own area-related ranges. ~15 % carry an improvement surcharge; heating and water are
  reported but are not rent (``codes.RENT_FORMING``).
* **Leases**: every dwelling has exactly one lease as of the snapshot date. ~11 % of family
  dwellings were re-let in ``relet_year`` (their previous lease ended the day before), with
  Table 1's allocation types. A small share stands vacant: its tenant's lease ended and a
  *vacancy lease* (seed 000: "en særlig tomgangsledig lejekontrakt") carries
  ``vacancy_loss_flag``; another small share has a terminated lease with ``vacant_soon_flag``.
  The two flags are never both set. Vacancy leases are not lettings: a consumer counting
  re-lettings must skip leases with ``vacancy_loss_flag`` (``summary`` does). No tenant names.

Record fields are the tables' column names (the register's ``register/db/models.py``);
server-filled columns are left out: ``created_at``/``updated_at`` (``now()``) and
``housing_expenses.id`` (identity). ``version`` is 1 and leases are ``accepted`` with no
warnings; each lease carries an ERP reference (``EksternReference``, mandatory in the register)
derived from its id. The data passes the register's rules as submitted (``demo`` loads it
through the register's bulk use case).

Command line: ``python -m register_synthetic --seed 1 --dwellings 10000 --format summary``.

Modules: ``shape`` (the figures), ``records`` (one dataclass per table), ``generator``,
``summary`` (counts against the figures), ``cli`` (``python -m register_synthetic``) and ``demo``
(the embedded run's demo data, loaded through the register's bulk submission use case). This is
demo and benchmark tooling, kept out of the register's production package.
"""

from register_synthetic.generator import SyntheticRegister, iter_records, iter_table_rows
from register_synthetic.records import (
    RECORD_TYPES,
    TABLE_COLUMNS,
    BuildingSection,
    Department,
    DepartmentBundle,
    Dwelling,
    HousingExpense,
    Lease,
    Organisation,
    Record,
)
from register_synthetic.summary import Summary, summary

__all__ = [
    "RECORD_TYPES",
    "TABLE_COLUMNS",
    "BuildingSection",
    "Department",
    "DepartmentBundle",
    "Dwelling",
    "HousingExpense",
    "Lease",
    "Organisation",
    "Record",
    "Summary",
    "SyntheticRegister",
    "iter_records",
    "iter_table_rows",
    "summary",
]

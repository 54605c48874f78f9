"""The category code list of rent tribunal cases (§ 90 statistics count cases by it).

Each category names the fee it carries at filing (§ 82(1)): the standard fee, the § 132(2) fee
(cases under § 132(2) of the Rent Act) or the § 19(3) fee (cases under § 19(3) of the Rent Act).
Behaviour cases (§§ 153-155 of the Rent Act) seat a social expert without vote (§ 79(5)) and,
in Copenhagen, go to the housing court rather than the appeal board (§ 89(1)).

| code | Danish | fee |
|---|---|---|
| rent_level | Lejens størrelse | standard |
| maintenance_defects | Vedligeholdelsesmangler | standard |
| move_out_settlement | Fraflytningsopgørelse og depositum | standard |
| heating_accounts | Varme- og vandregnskaber | standard |
| operating_accounts | Forbrugs- og driftsregnskaber (andre) | standard |
| improvements | Forbedringer og lejeforhøjelse derfor | standard |
| rent_act_132_2 | Sager efter lejelovens § 132, stk. 2 | § 132(2) |
| rent_act_19_3 | Sager efter lejelovens § 19, stk. 3 | § 19(3) |
| behaviour | God skik og orden (lejelovens §§ 153-155) | standard |
| other | Øvrige tvister efter lejeloven | standard |
"""

from __future__ import annotations

from enum import StrEnum


class FeeKind(StrEnum):
    STANDARD = "standard"  # § 82(1) 3rd sentence: 315 DKK (2021)
    RENT_ACT_132_2 = "rent_act_132_2"  # § 82(1) 4th sentence: 526 DKK (2021)
    RENT_ACT_19_3 = "rent_act_19_3"  # § 82(1) 5th sentence: 4,016 DKK (2021)
    LANDLORD_TENANT_WON = "landlord_tenant_won"  # § 82(2): 6,024 DKK (2021)
    APPEAL_BOARD = "appeal_board"  # § 89(4): 166 DKK per apartment (2021)


class CaseCategory(StrEnum):
    RENT_LEVEL = "rent_level"
    MAINTENANCE_DEFECTS = "maintenance_defects"
    MOVE_OUT_SETTLEMENT = "move_out_settlement"
    HEATING_ACCOUNTS = "heating_accounts"
    OPERATING_ACCOUNTS = "operating_accounts"
    IMPROVEMENTS = "improvements"
    RENT_ACT_132_2 = "rent_act_132_2"
    RENT_ACT_19_3 = "rent_act_19_3"
    BEHAVIOUR = "behaviour"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def filing_fee(self) -> FeeKind:
        if self is CaseCategory.RENT_ACT_132_2:
            return FeeKind.RENT_ACT_132_2
        if self is CaseCategory.RENT_ACT_19_3:
            return FeeKind.RENT_ACT_19_3
        return FeeKind.STANDARD

    @property
    def is_behaviour(self) -> bool:
        """§§ 153-155 of the Rent Act: a social expert sits without vote (§ 79(5))."""
        return self is CaseCategory.BEHAVIOUR


_LABELS = {
    CaseCategory.RENT_LEVEL: "Lejens størrelse",
    CaseCategory.MAINTENANCE_DEFECTS: "Vedligeholdelsesmangler",
    CaseCategory.MOVE_OUT_SETTLEMENT: "Fraflytningsopgørelse og depositum",
    CaseCategory.HEATING_ACCOUNTS: "Varme- og vandregnskaber",
    CaseCategory.OPERATING_ACCOUNTS: "Forbrugs- og driftsregnskaber",
    CaseCategory.IMPROVEMENTS: "Forbedringer og lejeforhøjelse derfor",
    CaseCategory.RENT_ACT_132_2: "Sager efter lejelovens § 132, stk. 2",
    CaseCategory.RENT_ACT_19_3: "Sager efter lejelovens § 19, stk. 3",
    CaseCategory.BEHAVIOUR: "God skik og orden (lejelovens §§ 153-155)",
    CaseCategory.OTHER: "Øvrige tvister efter lejeloven",
}

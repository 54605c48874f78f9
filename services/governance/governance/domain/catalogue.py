"""The standard question catalogue: a starting point the fund loads for a year and then edits
(``PUT /governance/v1/catalogues/{year}``). Wording follows the ministry's governance report
(styringsrapport) and department form (afdelingsskema) in outline."""

from __future__ import annotations

from governance.domain.rules import FormKind, Question, QuestionKind

R = FormKind.REPORT
D = FormKind.DEPARTMENT
YES_NO = QuestionKind.YES_NO
CHOICE = QuestionKind.CHOICE
NUMBER = QuestionKind.NUMBER
TEXT = QuestionKind.TEXT

STANDARD_QUESTIONS: tuple[Question, ...] = (
    Question(
        "goals_followed_up",
        R,
        "Mål og resultater",
        "Har organisationsbestyrelsen fulgt op på de aftalte mål fra sidste styringsdialog?",
        YES_NO,
        True,
    ),
    Question(
        "goals_comment",
        R,
        "Mål og resultater",
        "Beskriv kort opfølgningen på målene.",
        TEXT,
        False,
    ),
    Question(
        "efficiency_measures",
        R,
        "Effektivitet",
        "Hvilke tiltag er gennemført for at øge effektiviteten i driften?",
        TEXT,
        True,
    ),
    Question(
        "joint_operation",
        R,
        "Effektivitet",
        "Indgår boligorganisationen i driftsfællesskab med andre boligorganisationer?",
        CHOICE,
        True,
        ("Nej", "Ja, delvist", "Ja, for alle afdelinger"),
    ),
    Question(
        "residents_democracy",
        R,
        "Beboerdemokrati",
        "Er der afholdt afdelingsmøder i alle afdelinger i regnskabsåret?",
        YES_NO,
        True,
    ),
    Question(
        "maintenance_plan_updated",
        D,
        "Vedligeholdelse",
        "Er afdelingens langtidsplan for vedligeholdelse opdateret inden for de seneste 12 "
        "måneder?",
        YES_NO,
        True,
    ),
    Question(
        "physical_condition",
        D,
        "Vedligeholdelse",
        "Hvordan vurderes afdelingens fysiske tilstand?",
        CHOICE,
        True,
        ("God", "Middel", "Dårlig"),
    ),
    Question(
        "vacant_dwellings",
        D,
        "Udlejning",
        "Antal boliger med tomgang ved regnskabsårets udgang.",
        NUMBER,
        False,
    ),
    Question(
        "letting_problems",
        D,
        "Udlejning",
        "Har afdelingen udlejningsvanskeligheder?",
        YES_NO,
        True,
    ),
    Question(
        "department_comment",
        D,
        "Bemærkninger",
        "Øvrige bemærkninger til afdelingen.",
        TEXT,
        False,
    ),
)

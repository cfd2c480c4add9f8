"""Every legal figure the rules apply, in one place, each with its source.

Durations and times of day are in minutes. Yearly figures (the social-security hourly
ceiling) are a dated table: add a row each January, with its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from convgen.i18n import Msg

# Sources, written in full in reports and shortened inside messages.
L3162_1 = "Code du travail, art. L3162-1"
L3162_3 = "Code du travail, art. L3162-3"
L3163 = "Code du travail, art. L3163-1 et L3163-2"
L3164_1 = "Code du travail, art. L3164-1"
# Under 16 the Code du travail sets no daily maximum of its own for a PFMP: the 7 hours
# come from the national guidance.
PFMP_GUIDE = "Guide national des PFMP (éduscol) ; service-public.fr F1882"
MINOR_DAILY_SOURCES = (
    "Code du travail, art. L3162-1 (8 h à 16 et 17 ans) ; guide national des PFMP (éduscol) et service-public.fr F1882 (7 h avant 16 ans)"
)
L3164_2 = "Code du travail, art. L3164-2"
L3132_3 = "Code du travail, art. L3132-3"
MINOR_WEEKLY_REST_SOURCES = "Code du travail, art. L3164-2 (deux jours consécutifs) et L3132-3 (le dimanche)"
L3164_6 = "Code du travail, art. L3164-6"
L4153_1 = "Code du travail, art. L4153-1"
L3121_16 = "Code du travail, art. L3121-16"
L3121_18 = "Code du travail, art. L3121-18"
L3121_20 = "Code du travail, art. L3121-20"
# The 35 hours of an adult pupil are the model agreement's cap, set at the legal working week.
ART_6_L3121_27 = "Convention type, art. 6 ; Code du travail, art. L3121-27"
ADULT_WEEKLY_SOURCES = "Convention type, art. 6 et Code du travail, art. L3121-27 (PFMP) ; Code du travail, art. L3121-20 (immersion)"
L3131_1 = "Code du travail, art. L3131-1"
L3132 = "Code du travail, art. L3132-1 et L3132-2"
# L3122-20 sets the default night period (21:00-06:00) the model agreement's art. 7 refers to.
ART_7_L3122_20 = "Convention type, art. 7 ; Code du travail, art. L3122-20"
L3133_1 = "Code du travail, art. L3133-1"
L3133_4_6 = "Code du travail, art. L3133-4 et L3133-6"
ADULT_HOLIDAY_SOURCES = "Code du travail, art. L3133-1 ; pour le 1er mai, art. L3133-4 et L3133-6"
L124_5 = "Code de l'éducation, art. L124-5"
L124_6 = "Code de l'éducation, art. L124-6 et D124-6"
# No rural-code text setting the three months of agricultural education is known to convgen:
# the finding says so rather than cite one.
L124_6_AGRICULTURAL = (
    "Code de l'éducation, art. L124-6 et D124-6 ; seuil de trois mois de l'enseignement agricole : "
    "aucun texte du code rural connu de convgen, à vérifier"
)
D124_8 = "Code de l'éducation, art. L124-6 et D124-8 ; Code de la sécurité sociale, art. L242-19"
D4153_15 = "Code du travail, art. D4153-15 et suivants ; convention type, art. 10"
R4153_40 = "Code du travail, art. R4153-40 et R4153-41 ; convention type, art. 10"
R4153_40_MEDICAL = "Code du travail, art. R4153-40 (5°)"
ART_3 = "Convention type, art. 3 et annexe"
ART_11 = "Convention type, art. 11"
IMMERSION_ART_2 = "Convention type d'immersion, art. 2"
D124_9 = "Code de l'éducation, art. D124-9 ; convention type, art. 18"

_SHORT = (
    ("Code du travail, art. ", "C. trav. art. "),
    ("Code de l'éducation, art. ", "C. éduc. art. "),
    ("Code de la sécurité sociale, art. ", "CSS art. "),
    ("Convention type d'immersion, ", "convention type, "),
    ("Convention type, ", "convention type, "),
)


def short_source(article: str) -> str:
    """« Code du travail, art. L3162-1 » as a message cites it: « C. trav. art. L3162-1 »."""
    for long, short in _SHORT:
        article = article.replace(long, short)
    return article


@dataclass(frozen=True)
class MinorBand:
    """The limits for a minor of a given age (rules.md, table of the PFMP rules)."""

    min_age: int
    max_age: int
    label: Msg
    daily_max: int
    daily_article: str  # the text that sets this band's daily maximum
    weekly_max: int
    window: tuple[int, int]
    daily_rest: int

    def covers(self, age: int) -> bool:
        return self.min_age <= age <= self.max_age


MINOR_BANDS = (
    MinorBand(0, 14, Msg("moins de 15 ans", "under 15"), 7 * 60, PFMP_GUIDE, 30 * 60, (6 * 60, 20 * 60), 14 * 60),
    MinorBand(15, 15, Msg("15 ans", "15"), 7 * 60, PFMP_GUIDE, 35 * 60, (6 * 60, 20 * 60), 14 * 60),
    MinorBand(16, 17, Msg("16 et 17 ans", "16 and 17"), 8 * 60, L3162_1, 35 * 60, (6 * 60, 22 * 60), 12 * 60),
)

ADULT_AGE = 18


def band(age: int) -> MinorBand | None:
    """The minor's limits at that age, or None for an adult (a date before birth gets the strictest)."""
    if age < 0:
        return MINOR_BANDS[0]
    return next((item for item in MINOR_BANDS if item.covers(age)), None)


PUPIL_MIN_AGE = 14
REGULATED_WORK_MIN_AGE = 15
# Regulated work of a minor (R4153-40): the medical fitness opinion is renewed every year,
# the derogation declaration every 3 years; both must date from before the first day.
MEDICAL_OPINION_YEARS = 1
DEROGATION_YEARS = 3

# Continuous work: a run of slots whose gaps are all shorter than the break it requires.
# A minor may work 4 h 30 in a row (beyond, the break is due); for an adult the break is
# due as soon as the run reaches 6 h (L3121-16: "dès que le temps de travail atteint six heures").
MINOR_MAX_CONTINUOUS = 4 * 60 + 30
MINOR_MIN_BREAK = 30
ADULT_MAX_CONTINUOUS = 6 * 60
ADULT_MIN_BREAK = 20

ADULT_DAILY_MAX = 10 * 60
ADULT_DAILY_REST = 11 * 60
PFMP_ADULT_WEEKLY_MAX = 35 * 60
IMMERSION_WEEKLY_MAX = 48 * 60
# Night for an adult pupil: work in it needs the head of school's designation (model agreement, art. 7).
ADULT_NIGHT = (21 * 60, 6 * 60)

# Postal-code prefixes of places the Code du travail does not govern: each has its own
# labour law, so the PFMP model agreement (which applies the Code) cannot be used there.
# Each place is named as a sentence reads it ("à Monaco", "en Nouvelle-Calédonie").
OUTSIDE_LABOUR_CODE = (
    ("980", Msg("à Monaco", "in Monaco")),
    ("986", Msg("à Wallis-et-Futuna", "in Wallis and Futuna")),
    ("987", Msg("en Polynésie française", "in French Polynesia")),
    ("988", Msg("en Nouvelle-Calédonie", "in New Caledonia")),
)

# D124-6: 7 hours of presence make a day, 22 days a month; "more than two months" is more
# than 44 days, six months 132 days. Counted per pupil and host over the school year.
PRESENCE_DAY = 7 * 60
PRESENCE_MONTH_DAYS = 22
GRATIFICATION_THRESHOLD = 2 * PRESENCE_MONTH_DAYS * PRESENCE_DAY
GRATIFICATION_THRESHOLD_AGRICULTURAL = 3 * PRESENCE_MONTH_DAYS * PRESENCE_DAY
GRATIFICATION_RATE = Decimal("0.15")
PERIOD_MAX_PRESENCE = 6 * PRESENCE_MONTH_DAYS * PRESENCE_DAY
SCHOOL_YEAR_START_MONTH = 9  # a school year runs from 1 September to 31 August
IMMERSION_MAX_DAYS = 5


@dataclass(frozen=True)
class Ceiling:
    """The social-security hourly ceiling of a calendar year (plafond horaire de la sécurité sociale)."""

    year: int
    hourly: Decimal
    source: str

    @property
    def minimum_gratification(self) -> Decimal:
        return (self.hourly * GRATIFICATION_RATE).quantize(Decimal("0.01"))


# Plafond horaire de la sécurité sociale, fixed each year by arrêté; figures as URSSAF and
# service-public.fr publish them. The gratification minimum is 15 % of it (D124-8).
_SOURCE = "arrêté fixant le plafond de la sécurité sociale pour {year}"
CEILINGS = tuple(
    Ceiling(year, Decimal(hourly), _SOURCE.format(year=year))
    for year, hourly in (
        (2015, 24),
        (2016, 24),
        (2017, 25),
        (2018, 25),
        (2019, 26),
        (2020, 26),
        (2021, 26),
        (2022, 26),
        (2023, 27),
        (2024, 29),
        (2025, 29),
        (2026, 30),
    )
)


def ceiling(year: int) -> tuple[Ceiling, bool]:
    """The ceiling that applies in that year, and whether the table actually has that year.

    Beyond the table the latest known value stands in (and a warning says so); before it,
    the earliest.
    """
    for item in CEILINGS:
        if item.year == year:
            return item, True
    return (CEILINGS[-1] if year > CEILINGS[-1].year else CEILINGS[0]), False

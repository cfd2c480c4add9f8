"""Rules across agreements: what the law counts per pupil and host over a school year.

A run (a folder, a campaign) holds many agreements. Each is reduced to a Footprint, small
enough to travel back from a worker process; the rules here read the footprints of the
same pupil together. Finding a pupil's other agreements is a look-up in two indexes (INE,
names and birth date), never a comparison of every pair of the run.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from convgen.findings import Location, Severity
from convgen.i18n import Lang, Msg, date_text, euros, hours_text, plural
from convgen.law import allowance as state_allowance
from convgen.law import limits
from convgen.law.calendar import school_year, school_year_text
from convgen.law.rules.base import Hit, rule
from convgen.source.reader import FieldPath

PFMP = frozenset({"pfmp"})
GROUP = "across"

# Fields the findings of these rules point at: located in the worker, where the file's map is.
GRATIFICATION = ("finance", "gratification")
HOURLY_AMOUNT = ("finance", "gratification", "hourly_amount")
PERIOD_START = ("period", "start")
PERIOD_END = ("period", "end")
LEVEL = ("pupil", "level")
PLACES = (GRATIFICATION, HOURLY_AMOUNT, PERIOD_START, PERIOD_END, LEVEL)


def name_key(*parts: str) -> str:
    """Names as the same person writes them differently: no case, accents, hyphens or extra spaces."""
    text = unicodedata.normalize("NFKD", " ".join(parts))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return " ".join(text.replace("-", " ").replace("\u2010", " ").split())


@dataclass(frozen=True, slots=True)
class Footprint:
    """What the rules across agreements need of one checked PFMP agreement."""

    path: str
    ine: str | None
    pupil: str  # name_key of last and first names, and the birth date
    siret: str | None
    host: str  # name_key of the host's name, and its postal code
    host_name: str
    first_day: dt.date
    worked: frozenset[dt.date]
    minutes: dict[int, int]  # school year → minutes of presence planned in it
    calendar_years: tuple[int, ...]
    gratification: Decimal | None
    agricultural: bool
    places: dict[FieldPath, Location | None]
    # The State allowance: the pupil's level, and the days it pays (done once attendance is
    # given, else planned), counted in the school year of the first day.
    level: str | None = None
    allowance_days: int = 0
    done: bool = False

    def same_pupil(self, other: Footprint) -> bool:
        if self.ine is not None and other.ine is not None:
            return self.ine == other.ine
        return self.pupil == other.pupil

    def same_host(self, other: Footprint) -> bool:
        if self.siret is not None and other.siret is not None:
            return self.siret == other.siret
        return self.host == other.host

    def duplicates(self, other: Footprint) -> bool:
        """The same agreement twice (usually a file copied): same pupil, host and first day."""
        return self.first_day == other.first_day and self.same_pupil(other) and self.same_host(other)

    @property
    def school_year(self) -> int:
        return school_year(self.first_day)

    def minutes_in(self, year: int) -> int:
        return self.minutes.get(year, 0)

    def place(self, path: FieldPath) -> Location | None:
        return self.places.get(path)


def footprint(ctx, path: str, locate: Callable[[FieldPath], Location | None]) -> Footprint | None:
    """The footprint of a PFMP agreement whose calendar is consistent; None for any other."""
    agreement = ctx.agreement
    if agreement.kind != "pfmp" or not ctx.days:
        return None
    pupil, host, period = agreement.pupil, agreement.host, agreement.period
    minutes: dict[int, int] = {}
    for day in ctx.days:
        if day.worked:
            year = school_year(day.date)
            minutes[year] = minutes.get(year, 0) + day.minutes
    gratification = agreement.finance.gratification
    presence = ctx.presence
    return Footprint(
        path=path,
        ine=getattr(pupil, "ine", None),
        pupil=f"{name_key(pupil.last_name)}|{name_key(pupil.first_name)}|{pupil.birth_date.isoformat()}",
        siret="".join(host.siret.split()) if host.siret else None,
        host=f"{name_key(host.name)}|{host.address.postal_code}",
        host_name=host.name,
        first_day=period.start,
        worked=frozenset(day.date for day in ctx.days if day.worked),
        minutes=dict(sorted(minutes.items())),
        calendar_years=tuple(range(period.start.year, period.end.year + 1)),
        gratification=gratification.hourly_amount if gratification is not None else None,
        agricultural=agreement.school.agricultural,
        places={field: locate(field) for field in PLACES},
        level=pupil.level,
        allowance_days=presence.days_done if presence is not None else sum(1 for day in ctx.days if day.worked),
        done=presence is not None,
    )


def allowance_of(own: Footprint, others: Sequence[Footprint] = ()) -> state_allowance.Allowance | None:
    """`own`'s allowance, its pupil's `others` of the same level, ministry and school year sharing the cap
    in date order (a copy of `own` excepted); None without a level."""
    if own.level is None:
        return None
    found = state_allowance.lookup(own.level, own.school_year, own.agricultural)
    rate = found.rate
    daily, cap = (rate.daily_amount, rate.yearly_cap) if rate is not None else (0, 0)
    before = sorted(
        (
            other
            for other in others
            if other.level == own.level
            and other.agricultural == own.agricultural
            and other.school_year == own.school_year
            and not own.duplicates(other)
            and (other.first_day, other.path) < (own.first_day, own.path)
        ),
        key=lambda other: (other.first_day, other.path),
    )
    # Paid in date order, each up to what the cap leaves: the earlier ones reach min(cap, their days' worth).
    earlier = min(cap, sum(other.allowance_days for other in before) * daily)
    share = state_allowance.share(own.allowance_days, daily, cap, earlier)
    return state_allowance.Allowance(
        level=own.level,
        ministry="masa" if own.agricultural else "menj",
        school_year=own.school_year,
        daily_amount=daily,
        days=own.allowance_days,
        gross=share.gross,
        earlier=share.earlier,
        cap=cap,
        amount=share.amount,
        capped=share.capped,
        unpaid_days=share.unpaid_days,
        estimate=not own.done,
        paid=rate is not None,
        outdated=found.outdated,
        table_year=found.table_year,
        earlier_paths=tuple(other.path for other in before),
    )


class Peers:
    """One agreement and the other agreements of the same pupil in the run."""

    def __init__(self, own: Footprint, others: Sequence[Footprint]) -> None:
        self.own = own
        self.others = others

    @cached_property
    def at_host(self) -> list[Footprint]:
        """The pupil's other agreements at the same host, a copy of this one excepted."""
        return [other for other in self.others if self.own.same_host(other) and not self.own.duplicates(other)]

    def presence(self, year: int) -> tuple[int, list[tuple[Footprint, int]]]:
        """Minutes of presence at this host in a school year, and what each other agreement adds."""
        added = [(other, other.minutes_in(year)) for other in self.at_host if other.minutes_in(year)]
        return self.own.minutes_in(year) + sum(minutes for _, minutes in added), added

    def over(self, threshold: int) -> tuple[int, int, list[tuple[Footprint, int]]] | None:
        """The first school year whose presence at this host passes `threshold`: (year, total, others)."""
        for year in self.own.minutes:
            total, added = self.presence(year)
            if total > threshold:
                return year, total, added
        return None

    @cached_property
    def allowance(self) -> state_allowance.Allowance | None:
        return allowance_of(self.own, self.others)

    @cached_property
    def gratification_required(self) -> tuple[int, int, list[tuple[Footprint, int]]] | None:
        return self.over(gratification_threshold(self.own)[0])


def gratification_threshold(own: Footprint) -> tuple[int, Msg]:
    if own.agricultural:
        return limits.GRATIFICATION_THRESHOLD_AGRICULTURAL, Msg("trois mois, enseignement agricole", "three months, agricultural education")
    return limits.GRATIFICATION_THRESHOLD, Msg("deux mois", "two months")


M_WITH = Msg(", en comptant {others}", ", counting {others}")
M_OTHER = Msg("{path} ({hours})", "{path} ({hours})")
M_AND_MORE = Msg(" et {count} autres", " and {count} more")
MAX_NAMED = 3
"""Other agreements named in one message; `related` in the JSON report lists them all."""


def _names(paths: Sequence[str], lang: Lang) -> str:
    shown = ", ".join(paths[:MAX_NAMED])
    if len(paths) > MAX_NAMED:
        shown += M_AND_MORE.get(lang).format(count=len(paths) - MAX_NAMED)
    return shown


def _counting(added: list[tuple[Footprint, int]]) -> Msg:
    """« , en comptant b.yaml (140 h 00) » when other agreements add to the total, else nothing."""
    if not added:
        return Msg("", "")
    parts = [(other.path, hours_text(minutes)) for other, minutes in added]
    return Msg(
        M_WITH.fr.format(others=_names([M_OTHER.fr.format(path=p, hours=h.fr) for p, h in parts], "fr")),
        M_WITH.en.format(others=_names([M_OTHER.en.format(path=p, hours=h.en) for p, h in parts], "en")),
    )


def _related(others: Iterable[Footprint]) -> tuple[str, ...]:
    return tuple(other.path for other in others)


AT_HOST = Msg(
    "convention de PFMP, avec les autres conventions du même élève chez le même organisme la même année scolaire",
    "PFMP agreement, with the pupil's other agreements at the same host in the same school year",
)


def _presence(peers: Peers, year: int, total: int, added: list[tuple[Footprint, int]]) -> dict[str, object]:
    """The message values of a presence summed at one host: how much, where, when, and with whom."""
    return {"total": hours_text(total), "host": peers.own.host_name, "year": school_year_text(year), "counting": _counting(added)}


@rule(
    id="GRATIFICATION_REQUIRED",
    severity=Severity.ERROR,
    kinds=PFMP,
    group="pfmp",
    scope="run",
    applies_to=AT_HOST,
    limit=Msg(
        "plus de {threshold} de présence ({days} jours de 7 h : plus de deux mois) chez un même organisme sur l'année scolaire, "
        "conventions du même élève additionnées : finance.gratification est renseignée ; {agricultural} dans l'enseignement agricole",
        "more than {threshold} of presence ({days} days of 7 h: more than two months) at the same host in the school year, "
        "the pupil's agreements added up: finance.gratification is given; {agricultural} in agricultural education",
    ).fill(
        threshold=hours_text(limits.GRATIFICATION_THRESHOLD),
        days=limits.GRATIFICATION_THRESHOLD // limits.PRESENCE_DAY,
        agricultural=hours_text(limits.GRATIFICATION_THRESHOLD_AGRICULTURAL),
    ),
    article=limits.L124_6,
    message=Msg(
        "{total} de présence prévues chez {host} sur l'année scolaire {year}{counting}, plus de {threshold} ({months}) : "
        "une gratification est due ; indiquez finance.gratification.hourly_amount ({ref}).",
        "{total} of presence planned at {host} in the {year} school year{counting}, more than {threshold} ({months}): "
        "a gratification is due; give finance.gratification.hourly_amount ({ref}).",
    ),
)
def gratification_required(peers: Peers) -> Iterator[Hit]:
    own = peers.own
    if own.gratification is not None or peers.gratification_required is None:
        return
    year, total, added = peers.gratification_required
    threshold, months = gratification_threshold(own)
    params = {**_presence(peers, year, total, added), "threshold": hours_text(threshold), "months": months}
    article = limits.L124_6_AGRICULTURAL if own.agricultural else None
    yield Hit(GRATIFICATION, params, related=_related(other for other, _ in added), article=article)


M_RATE_OUTDATED = Msg(
    "convgen ne connaît pas encore le plafond horaire de la sécurité sociale de {year} : le minimum de {known_year} "
    "({minimum}/h) a été appliqué ; vérifiez le montant en vigueur (URSSAF) et mettez convgen à jour.",
    "convgen does not know the social-security hourly ceiling of {year} yet: the {known_year} minimum ({minimum}/h) "
    "was applied; check the current figure (URSSAF) and update convgen.",
)


def _minimum(own: Footprint) -> tuple[limits.Ceiling, int, list[int]]:
    """The highest minimum of the calendar years the period covers (paid monthly, each month
    at its year's rate), the year it is for, and the years past the table."""
    known = [(limits.ceiling(year), year) for year in own.calendar_years]
    (highest, _), year = max(known, key=lambda item: (item[0][0].minimum_gratification, item[1]))
    return highest, year, [year for (_, exact), year in known if not exact]


@rule(
    id="GRATIFICATION_MINIMUM",
    severity=Severity.ERROR,
    kinds=PFMP,
    group="pfmp",
    scope="run",
    applies_to=Msg(
        "convention de PFMP dont la gratification est obligatoire (GRATIFICATION_REQUIRED)",
        "PFMP agreement whose gratification is required (GRATIFICATION_REQUIRED)",
    ),
    limit=Msg(
        "hourly_amount ≥ {rate} % du plafond horaire de la sécurité sociale de chaque année civile de la période (table datée : {table}) ; "
        "une gratification facultative n'a pas de minimum",
        "hourly_amount ≥ {rate} % of the social-security hourly ceiling of every calendar year of the period (dated table: {table}); "
        "a voluntary gratification has no minimum",
    ).fill(
        rate=int(limits.GRATIFICATION_RATE * 100),
        table=Msg(
            " ; ".join(f"{item.year} : {euros(item.minimum_gratification).fr}/h" for item in limits.CEILINGS[-5:]),
            "; ".join(f"{item.year}: {euros(item.minimum_gratification).en}/h" for item in limits.CEILINGS[-5:]),
        ),
    ),
    article=limits.D124_8,
    message=Msg(
        "gratification de {amount}/h, en dessous du minimum de {minimum}/h en {year} ({rate} % du plafond horaire de la sécurité sociale, {hourly}), "
        "dû puisque la gratification est obligatoire ({total} de présence sur l'année scolaire) ({ref}).",
        "gratification of {amount}/h, below the minimum of {minimum}/h in {year} ({rate} % of the social-security hourly ceiling, {hourly}), "
        "due since the gratification is required ({total} of presence in the school year) ({ref}).",
    ),
)
def gratification_minimum(peers: Peers) -> Iterator[Hit]:
    own = peers.own
    if own.gratification is None or peers.gratification_required is None:
        return
    _, total, added = peers.gratification_required
    highest, year, _ = _minimum(own)
    minimum = highest.minimum_gratification
    if own.gratification < minimum:
        params = {
            "amount": euros(own.gratification),
            "minimum": euros(minimum),
            "year": year,
            "hourly": euros(highest.hourly),
            "rate": int(limits.GRATIFICATION_RATE * 100),
            "total": hours_text(total),
        }
        yield Hit(HOURLY_AMOUNT, params, related=_related(other for other, _ in added))


M_ALLOWANCE_OUTDATED = Msg(
    "convgen ne connaît pas encore les montants de l'allocation de l'État de l'année scolaire {year} : ceux de {known_year} "
    "({daily}/jour, plafond {cap}) ont été appliqués ; vérifiez les montants en vigueur et mettez convgen à jour.",
    "convgen does not know the State allowance's figures for the {year} school year yet: those of {known_year} "
    "({daily}/day, cap {cap}) were applied; check the current figures and update convgen.",
)


@rule(
    id="RATE_TABLE_OUTDATED",
    severity=Severity.WARNING,
    kinds=PFMP,
    group="pfmp",
    scope="run",
    applies_to=Msg(
        "convention de PFMP dont la gratification est obligatoire, ou dont l'élève a un niveau (pupil.level), "
        "sur une année que la table datée ne connaît pas",
        "PFMP agreement whose gratification is required, or whose pupil has a level (pupil.level), in a year the dated table does not know",
    ),
    limit=Msg(
        "la table des plafonds de la sécurité sociale va jusqu'à {last}, celle de l'allocation de l'État jusqu'à l'année scolaire {allowance} : "
        "au-delà, leur dernière valeur est appliquée, avec cet avertissement",
        "the social-security ceiling table goes up to {last}, the State allowance's up to the {allowance} school year: "
        "beyond them, their last figure is applied, with this warning",
    ).fill(last=limits.CEILINGS[-1].year, allowance=school_year_text(state_allowance.LAST_YEAR)),
    article=limits.D124_8,
    message=M_RATE_OUTDATED,
)
def rate_table_outdated(peers: Peers) -> Iterator[Hit]:
    own = peers.own
    if own.gratification is not None and peers.gratification_required is not None:
        _, _, unknown = _minimum(own)
        if unknown:
            latest = limits.CEILINGS[-1]
            params = {"year": unknown[0], "known_year": latest.year, "minimum": euros(latest.minimum_gratification)}
            yield Hit(PERIOD_START, params)
    paid = peers.allowance
    if paid is not None and paid.outdated and paid.table_year is not None:
        params = {
            "year": school_year_text(paid.school_year),
            "known_year": school_year_text(paid.table_year),
            "daily": euros(Decimal(paid.daily_amount)),
            "cap": euros(Decimal(paid.cap)),
        }
        yield Hit(LEVEL, params, message=M_ALLOWANCE_OUTDATED, article=state_allowance.ARTICLE)


@rule(
    id="ALLOWANCE_CAP_REACHED",
    severity=Severity.WARNING,
    kinds=PFMP,
    group=GROUP,
    scope="run",
    applies_to=Msg(
        "convention de PFMP dont l'élève a un niveau (pupil.level), avec ses autres conventions de la même année scolaire",
        "PFMP agreement whose pupil has a level (pupil.level), with the pupil's other agreements of the same school year",
    ),
    limit=Msg(
        "l'allocation de l'État (jours effectués × montant journalier du niveau) ne dépasse pas le plafond annuel du niveau, "
        "moins ce qu'atteignent les conventions antérieures de l'année ; exactement au plafond : pas d'avertissement",
        "the State allowance (days done × the level's daily amount) does not pass the level's yearly cap, less what the year's "
        "earlier agreements reach; exactly at the cap: no warning",
    ),
    article=state_allowance.ARTICLE,
    message=Msg(
        "allocation de l'État : {days} {days_word} × {daily} = {gross}, au-delà du plafond annuel de {cap} ({level}, année scolaire "
        "{year}){earlier} : seuls {amount} sont versés, {unpaid} ({ref}).",
        "State allowance: {days} {days_word} × {daily} = {gross}, past the yearly cap of {cap} ({level}, {year} school year){earlier}: "
        "only {amount} is paid, {unpaid} ({ref}).",
    ),
)
def allowance_cap_reached(peers: Peers) -> Iterator[Hit]:
    paid = peers.allowance
    if paid is None or not paid.capped:
        return
    earlier = Msg("", "")
    if paid.earlier:
        named = _names(list(paid.earlier_paths), "fr"), _names(list(paid.earlier_paths), "en")
        earlier = Msg(
            f", dont {euros(Decimal(paid.earlier)).fr} déjà atteints par {named[0]}",
            f", {euros(Decimal(paid.earlier)).en} of it already reached by {named[1]}",
        )
    params = {
        "days": paid.days,
        "days_word": Msg(plural(paid.days, "jour", "jours"), plural(paid.days, "day", "days", "en")),
        "daily": euros(Decimal(paid.daily_amount)),
        "gross": euros(Decimal(paid.gross)),
        "cap": euros(Decimal(paid.cap)),
        "level": paid.level,
        "year": school_year_text(paid.school_year),
        "earlier": earlier,
        "amount": euros(Decimal(paid.amount)),
        "unpaid": Msg(
            f"{paid.unpaid_days} " + plural(paid.unpaid_days, "jour n'est pas payé", "jours ne sont pas payés"),
            f"{paid.unpaid_days} " + plural(paid.unpaid_days, "day is unpaid", "days are unpaid", "en"),
        ),
    }
    yield Hit(LEVEL, params, related=paid.earlier_paths)


@rule(
    id="PERIOD_MAX_LENGTH",
    severity=Severity.ERROR,
    kinds=PFMP,
    group="pfmp",
    scope="run",
    applies_to=AT_HOST,
    limit=Msg(
        "6 mois de présence au plus chez un même organisme sur l'année scolaire : {maximum} ({days} jours de 7 h, 22 jours par mois), "
        "conventions du même élève additionnées",
        "6 months of presence at most at the same host in the school year: {maximum} ({days} days of 7 h, 22 days a month), "
        "the pupil's agreements added up",
    ).fill(maximum=hours_text(limits.PERIOD_MAX_PRESENCE), days=limits.PERIOD_MAX_PRESENCE // limits.PRESENCE_DAY),
    article=limits.L124_5,
    message=Msg(
        "{total} de présence prévues chez {host} sur l'année scolaire {year}{counting} : plus de six mois ({maximum}, comptés en "
        "jours de 7 h et mois de 22 jours) ; une période en milieu professionnel ne peut dépasser six mois par organisme et par année ({ref}).",
        "{total} of presence planned at {host} in the {year} school year{counting}: more than six months ({maximum}, counted in "
        "days of 7 h and months of 22 days); periods at one host may not exceed six months a school year ({ref}).",
    ),
)
def period_max_length(peers: Peers) -> Iterator[Hit]:
    over = peers.over(limits.PERIOD_MAX_PRESENCE)
    if over is not None:
        year, total, added = over
        params = {**_presence(peers, year, total, added), "maximum": hours_text(limits.PERIOD_MAX_PRESENCE)}
        yield Hit(PERIOD_END, params, related=_related(other for other, _ in added))


@rule(
    id="PUPIL_OVERLAP",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    scope="run",
    applies_to=Msg("conventions d'un même élève", "agreements of the same pupil"),
    limit=Msg(
        "aucune date travaillée commune à deux conventions du même élève (des périodes qui se touchent, ou ne se recouvrent "
        "que sur des jours de repos, sont permises)",
        "no worked date shared by two agreements of the same pupil (periods that only touch, or overlap on rest days only, are fine)",
    ),
    article=None,  # no text needed: a pupil is in one place at a time
    message=Msg(
        "{day} : l'élève est aussi attendu ce jour-là selon {others} ({count} {dates} travaillées en commun) ; "
        "un élève ne peut suivre deux périodes à la fois : corrigez les dates de l'une des conventions.",
        "{day}: the pupil is also expected that day according to {others} ({count} worked {dates} in common); "
        "a pupil cannot attend two periods at once: correct the dates of one of the agreements.",
    ),
)
def pupil_overlap(peers: Peers) -> Iterator[Hit]:
    own = peers.own
    shared = [(other, own.worked & other.worked) for other in peers.others if not own.duplicates(other)]
    shared = [(other, dates) for other, dates in shared if dates]
    if not shared:
        return
    dates = set().union(*(dates for _, dates in shared))
    count = len(dates)
    params = {
        "others": Msg(_names([other.path for other, _ in shared], "fr"), _names([other.path for other, _ in shared], "en")),
        "count": count,
        "dates": Msg(plural(count, "date", "dates"), plural(count, "date", "dates", "en")),
    }
    yield Hit(PERIOD_START, params, date=min(dates), related=_related(other for other, _ in shared))


@rule(
    id="DUPLICATE_AGREEMENT",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    scope="run",
    applies_to=Msg("conventions d'un même élève", "agreements of the same pupil"),
    limit=Msg(
        "pas deux conventions du même élève chez le même organisme à partir du même premier jour (souvent un fichier copié)",
        "no two agreements of the same pupil at the same host from the same first day (usually a file copied twice)",
    ),
    article=None,
    message=Msg(
        "même élève, même organisme ({host}) et même premier jour ({start}) que {others} : la même convention figure deux fois "
        "(fichier copié ?) ; gardez-en une seule.",
        "same pupil, same host ({host}) and same first day ({start}) as {others}: the same agreement is there twice "
        "(a copied file?); keep only one.",
    ),
)
def duplicate_agreement(peers: Peers) -> Iterator[Hit]:
    own = peers.own
    copies = [other for other in peers.others if own.duplicates(other)]
    if copies:
        paths = [other.path for other in copies]
        params = {"host": own.host_name, "start": date_text(own.first_day), "others": Msg(_names(paths, "fr"), _names(paths, "en"))}
        yield Hit(PERIOD_START, params, related=_related(copies))

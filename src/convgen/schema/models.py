"""The agreement file's schemas (input.md), one model per YAML mapping.

Descriptions are French: they become the tooltips of `convgen schema KIND` in the
editors of the school staff who write these files.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from convgen.schema.fields import MAX_PERIOD_DAYS, Amount, Bool, Email, Ine, IsoDate, Phone, PostalCode, Slot, SlotList, Text, fail

LEVELS = (
    "cap1", "cap2-1", "cap2-2", "cap3-1", "cap3-2", "cap3-3", "seconde-pro", "premiere-pro", "terminale-pro",
    "mc3", "mc4", "bma-1", "bma-2", "bp-1", "bp-2",
    # Levels the State's allowance data also publishes (input.md lists the ones above).
    "bma1", "bt-1", "bt-2", "pae3", "pae4", "fcil3", "fcil4", "capa",
)  # fmt: skip
"""`pupil.level`: what fixes the State allowance's daily amount and yearly cap (law/allowance.py)."""
Level = Literal[LEVELS]  # type: ignore[valid-type]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _one_or_many(value: Any) -> Any:
    """A list of texts may be written as a single text."""
    return [value] if isinstance(value, str) else value


TextList = Annotated[list[Text], BeforeValidator(_one_or_many)]


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", populate_by_name=True, frozen=True)


class Address(Model):
    """Adresse postale."""

    street: Text = Field(description="Numéro et voie, par exemple « 12 rue des Tanneurs ».")
    postal_code: PostalCode = Field(
        description='Code postal à 5 chiffres, entre guillemets ("69007") ; il détermine le département, donc les jours fériés (Alsace-Moselle, outre-mer).'
    )
    city: Text = Field(description="Commune.")

    @property
    def department(self) -> str:
        """Département code: 69, 2A/2B for Corsica, 971–976 overseas."""
        code = self.postal_code
        if code.startswith(("97", "98")):
            return code[:3]
        if code.startswith("20"):
            return "2A" if int(code) < 20200 else "2B"
        return code[:2]


class Person(Model):
    """Une personne qui signe ou que l'on contacte."""

    name: Text = Field(description="Prénom et nom.")
    title: Text = Field(description="Fonction (par exemple « Proviseure », « Chef d'atelier »).")
    phone: Phone | None = Field(None, description="Téléphone : 04 78 70 00 00 ou +33 4 78 70 00 00.")
    email: Email | None = Field(None, description="Adresse électronique.")


class Teacher(Person):
    """Professeur chargé de suivre la période."""

    title: Text | None = Field(None, description="Fonction ou discipline (facultatif).")


class Insurance(Model):
    insurer: Text = Field(description="Nom de l'assureur.")
    contract_number: Text = Field(description="Numéro du contrat, entre guillemets.")


class HostInsurance(Insurance):
    kind: Literal["rider", "specific"] = Field(
        description="rider : avenant au contrat de responsabilité civile ; specific : assurance particulière (annexe financière, 4)."
    )


class School(Model):
    """L'établissement de formation."""

    name: Text = Field(description="Nom de l'établissement.")
    uai: Text = Field(description='Code UAI (RNE) : 7 chiffres et une lettre de contrôle, par exemple "0690128P".')
    address: Address
    phone: Phone = Field(description="Téléphone de l'établissement.")
    email: Email = Field(description="Adresse électronique de l'établissement.")
    head: Person = Field(description="Chef d'établissement qui signe la convention.")
    board_approval_date: IsoDate | None = Field(
        None, description="Date de la délibération du conseil d'administration approuvant la convention type (citée dans le préambule)."
    )
    agricultural: Bool = Field(False, description="Enseignement agricole : la gratification est due au-delà de 3 mois au lieu de 2.")
    insurance: Insurance = Field(description="Assurance responsabilité civile de l'élève contractée par l'établissement (article 14).")


class Host(Model):
    """L'entreprise ou l'organisme d'accueil."""

    name: Text = Field(description="Raison sociale ou nom de l'organisme.")
    siret: Text | None = Field(
        None,
        description="SIRET à 14 chiffres, entre guillemets (facultatif pour les organismes publics et les associations qui n'en ont pas).",
    )
    public_body: Bool = Field(False, description="Organisme de droit public (article 9 : prise en charge des transports).")
    address: Address
    phone: Phone = Field(description="Téléphone de l'organisme.")
    fax: Phone | None = Field(None, description="Télécopie (facultatif).")
    email: Email | None = Field(None, description="Adresse électronique (facultatif).")
    representative: Person = Field(description="Représentant(e) qui signe, et sa qualité.")
    insurance: HostInsurance = Field(description="Assurance de l'organisme d'accueil (annexe financière, 4).")


class Guardian(Model):
    """Représentant légal de l'élève mineur."""

    name: Text = Field(description="Prénom et nom.")
    address: Address
    phone: Phone = Field(description="Téléphone.")
    email: Email | None = Field(None, description="Adresse électronique (facultatif).")


class Pupil(Model):
    """L'élève."""

    first_name: Text = Field(description="Prénom.")
    last_name: Text = Field(description="Nom.")
    birth_date: IsoDate = Field(description="Date de naissance (AAAA-MM-JJ) : l'âge à chaque date fixe les limites d'horaires.")
    class_: Text = Field(alias="class", description="Classe, par exemple « 1re MV A ».")
    diploma: Text = Field(description="Diplôme préparé.")
    medical_visit_date: IsoDate | None = Field(
        None, description="Date de la visite médicale d'aptitude (obligatoire avant des travaux réglementés)."
    )
    ine: Ine | None = Field(
        None,
        description=(
            'Identifiant national élève (INE, facultatif) : 11 caractères, 10 chiffres et une lettre ("1234567890A"), '
            '9 chiffres et 2 lettres ("123456789AB") ou 4 chiffres, A, 5 chiffres et une lettre ("1234A12345B") ; '
            "minuscules acceptées. Seule la forme est vérifiée : la clé de contrôle ne l'est pas, faute d'algorithme publié. "
            "Imprimé dans l'annexe pédagogique."
        ),
    )
    address: Address | None = Field(
        None, description="Adresse de l'élève (facultatif), imprimée dans l'annexe pédagogique, que l'élève soit mineur ou majeur."
    )
    phone: Phone | None = Field(None, description="Téléphone de l'élève (facultatif), imprimé dans l'annexe pédagogique.")
    email: Email | None = Field(None, description="Adresse électronique de l'élève (facultatif), imprimée dans l'annexe pédagogique.")
    legal_guardian: Guardian | None = Field(
        None, description="Représentant légal : obligatoire si l'élève a moins de 18 ans à une date de la période."
    )
    level: Level | None = Field(
        None,
        description=(
            "Niveau de formation (facultatif), qui fixe l'allocation de l'État par jour de PFMP effectué : cap1 (CAP en un an), "
            "cap2-1, cap2-2 (CAP en deux ans), cap3-1 à cap3-3 (CAP en trois ans), seconde-pro, premiere-pro, terminale-pro, "
            "mc3, mc4 (mention complémentaire, certificat de spécialisation), bma-1, bma-2, bp-1, bp-2, et bma1, bt-1, bt-2, "
            "pae3, pae4, fcil3, fcil4, capa. Sans niveau, l'allocation n'est pas estimée."
        ),
    )


class Period(Model):
    start: IsoDate = Field(description="Premier jour de la période (AAAA-MM-JJ).")
    end: IsoDate = Field(description="Dernier jour de la période, inclus.")

    @field_validator("end")
    @classmethod
    def _bounded(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise fail("period_too_long", days=(end - start).days + 1)
        return end

    def dates(self) -> list[dt.date]:
        days = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=offset) for offset in range(max(days, 0))]


_DAY = "Créneaux de ce jour, par exemple [08:30-12:00, 13:30-17:00] ; [] ou absent : jour de repos."


class Weekly(Model):
    """Horaires de la semaine type."""

    monday: SlotList = Field(default_factory=list, description="Lundi. " + _DAY)
    tuesday: SlotList = Field(default_factory=list, description="Mardi. " + _DAY)
    wednesday: SlotList = Field(default_factory=list, description="Mercredi. " + _DAY)
    thursday: SlotList = Field(default_factory=list, description="Jeudi. " + _DAY)
    friday: SlotList = Field(default_factory=list, description="Vendredi. " + _DAY)
    saturday: SlotList = Field(default_factory=list, description="Samedi. " + _DAY)
    sunday: SlotList = Field(default_factory=list, description="Dimanche. " + _DAY)

    def slots(self, weekday: int) -> list[Slot]:
        return getattr(self, WEEKDAYS[weekday])


class Schedule(Model):
    """Horaires journaliers : semaine type et exceptions datées."""

    weekly: Weekly = Field(description="Semaine type, du lundi (monday) au dimanche (sunday).")
    exceptions: dict[IsoDate, SlotList] = Field(
        default_factory=dict,
        description="Changements datés de la semaine type : « 2026-01-23: [] » pour un jour non travaillé, ou d'autres créneaux.",
    )


class Pedagogy(Model):
    """Annexe pédagogique."""

    objectives: TextList = Field(min_length=1, description="Objectifs assignés à la période (au moins un).")
    activities: TextList = Field(min_length=1, description="Activités prévues (au moins une).")
    skills: TextList = Field(min_length=1, description="Compétences visées (au moins une).")
    coordination: Text = Field(description="Modalités de concertation entre le professeur et le tuteur.")
    evaluation: Text = Field(description="Modalités d'évaluation.")


class Accommodation(Model):
    address: Address = Field(description="Adresse du lieu d'hébergement.")
    cost: Amount | None = Field(None, description="Montant des frais d'hébergement en euros (facultatif).")


class Meals(Model):
    mode: Literal["home", "brought", "free_on_site", "paid_on_site", "school"] = Field(
        description="home : repas au domicile ; brought : repas apportés ; free_on_site : pris gratuitement sur place ; paid_on_site : pris sur place à la charge de la famille ; school : pris à l'établissement."
    )
    price: Amount | None = Field(None, description="Prix d'un repas en euros, avec paid_on_site.")

    @model_validator(mode="after")
    def _price_when_paid(self) -> Meals:
        if self.mode == "paid_on_site" and self.price is None:
            raise fail("meal_price")
        return self


class Gratification(Model):
    hourly_amount: Amount = Field(description="Gratification horaire en euros (au moins 15 % du plafond horaire de la sécurité sociale).")


class Finance(Model):
    """Annexe financière."""

    accommodation: Accommodation | None = Field(None, description="null, ou l'hébergement s'il diffère du domicile : {address, cost}.")
    meals: Meals = Field(description="Restauration.")
    transport: TextList = Field(default_factory=list, description="Moyen(s) de transport utilisé(s) par l'élève.")
    gratification: Gratification | None = Field(
        None, description="null, ou {hourly_amount} ; obligatoire au-delà de deux mois de présence."
    )


class RegulatedWork(Model):
    derogation_date: IsoDate | None = Field(
        None, description="Date de la décision de dérogation aux travaux interdits (inspection du travail)."
    )
    tasks: TextList = Field(default_factory=list, description="Travaux réglementés confiés à l'élève.")
    equipment: TextList = Field(default_factory=list, description="Machines et équipements utilisés.")
    supervisors: TextList = Field(default_factory=list, description="Personnes compétentes qui encadrent l'élève (nom et fonction).")


class ElectricalClearance(Model):
    level: Text = Field(description="Niveau d'habilitation électrique (par exemple BS, B0, H0V).")
    training_certificate: Text | None = Field(None, description="Carnet de formation à la prévention des risques électriques (référence).")


class Safety(Model):
    regulated_work: RegulatedWork | None = Field(None, description="Travaux réglementés pour un élève mineur (article 10).")
    electrical_clearance: ElectricalClearance | None = Field(None, description="Habilitation électrique (article 11).")
    night_work: Bool = Field(False, description="Travail de nuit d'un élève majeur, désigné par le chef d'établissement (article 7).")


class Signature(Model):
    place: Text = Field(description="« Fait à ».")
    date: IsoDate | None = Field(None, description="Date de signature (facultatif ; laissée en blanc sinon).")


def _half(value: Any) -> Any:
    """« après-midi », « Matin » read as the keys they mean."""
    if isinstance(value, str):
        key = value.strip().casefold().replace("è", "e").replace(" ", "-").replace("_", "-")
        if key in ("matin", "apres-midi"):
            return key
        raise fail("absence_half", value=value)
    return value


class Absence(Model):
    """Une absence de l'élève : un jour (date), une demi-journée (date et half) ou plusieurs jours (from et to)."""

    date: IsoDate | None = Field(None, description="Jour d'absence (AAAA-MM-JJ), un jour travaillé de la convention.")
    from_: IsoDate | None = Field(None, alias="from", description="Premier jour d'une absence de plusieurs jours.")
    to: IsoDate | None = Field(None, description="Dernier jour d'une absence de plusieurs jours, inclus.")
    half: Annotated[Literal["matin", "apres-midi"] | None, BeforeValidator(_half)] = Field(
        None, description="matin ou apres-midi : une demi-journée seulement (avec date)."
    )
    reason: Text | None = Field(None, description="Motif (facultatif), imprimé dans l'attestation.")

    @model_validator(mode="after")
    def _one_way(self) -> Absence:
        if self.date is not None and (self.from_ is not None or self.to is not None):
            raise fail("absence_when")
        if self.date is None:
            if self.from_ is None or self.to is None:
                raise fail("absence_bounds")
            if self.to < self.from_:
                raise fail("absence_order", start=self.from_.isoformat(), end=self.to.isoformat())
            if (self.to - self.from_).days + 1 > MAX_PERIOD_DAYS:
                raise fail("period_too_long", days=(self.to - self.from_).days + 1)
            if self.half is not None:
                raise fail("absence_half_range")
        return self

    @property
    def first(self) -> dt.date:
        return self.date if self.date is not None else self.from_  # type: ignore[return-value]

    @property
    def last(self) -> dt.date:
        return self.date if self.date is not None else self.to  # type: ignore[return-value]


class Issued(Model):
    """« Fait à … le … » de l'attestation."""

    place: Text = Field(description="Lieu où l'attestation est faite.")
    date: IsoDate = Field(description="Date de l'attestation : au plus tôt le dernier jour travaillé de la période.")


class Attendance(Model):
    """Ce qui a été effectivement fait, rempli après la période : il donne l'attestation de fin de PFMP."""

    absences: list[Absence] = Field(default_factory=list, description="Absences de l'élève, sur des jours travaillés de la convention.")
    gratification_paid: Amount | None = Field(
        None, description="Montant total de la gratification versée, en euros (imprimé dans l'attestation ; « néant » sinon)."
    )
    activities_done: TextList | None = Field(
        None, min_length=1, description="Activités réalisées (par défaut : les activités prévues, pedagogy.activities)."
    )
    issued: Issued = Field(description="Lieu et date de l'attestation (« Fait à … le … »).")


class Pfmp(Model):
    """Convention de période de formation en milieu professionnel (lycée professionnel)."""

    kind: Literal["pfmp"] = Field(description="Type de convention.")
    version: Literal[1] = Field(description="Version du format de fichier.")
    school: School
    host: Host
    pupil: Pupil
    tutor: Person = Field(description="Tuteur de stage dans l'organisme d'accueil.")
    teachers: list[Teacher] = Field(min_length=1, description="Professeur(s) chargé(s) de suivre le déroulement de la période.")
    period: Period = Field(description="Dates de la période, bornes incluses.")
    schedule: Schedule
    pedagogy: Pedagogy
    finance: Finance
    safety: Safety = Field(default_factory=Safety, description="Sécurité : travaux réglementés, habilitation électrique, travail de nuit.")
    signature: Signature | None = Field(None, description="Lieu et date de signature.")
    attendance: Attendance | None = Field(
        None, description="Après la période : absences, gratification versée, activités réalisées, et date de l'attestation."
    )


class Structure(Model):
    name: Text = Field(description="Nom de la structure.")
    address: Address
    representative: Person = Field(description="Représentant(e) de la structure.")


class Worker(Model):
    first_name: Text = Field(description="Prénom.")
    last_name: Text = Field(description="Nom.")
    job_title: Text = Field(description="Métier ou fonction.")


class Manager(Person):
    phone: Phone = Field(description="Téléphone.")


class Contact(Person):
    phone: Phone = Field(description="Téléphone.")
    email: Email = Field(description="Adresse électronique.")


DEFAULT_IMMERSION_OBJECTIVES = (
    "Comprendre le fonctionnement et la philosophie du service",
    "Rencontrer les personnes du service en vue d'améliorer les échanges et les pratiques ultérieures",
)


class Immersion(Model):
    """Convention d'immersion professionnelle entre structures (5 jours au plus)."""

    kind: Literal["immersion"] = Field(description="Type de convention.")
    version: Literal[1] = Field(description="Version du format de fichier.")
    host: Structure = Field(description="La structure où a lieu l'immersion (l'hôte).")
    sender: Structure = Field(description="La structure qui envoie en immersion.")
    worker: Worker = Field(description="Le travailleur stagiaire.")
    period: Period = Field(description="Dates de l'immersion, bornes incluses (5 jours au plus).")
    schedule: Schedule | None = Field(None, description="Horaires (facultatif) ; s'ils sont donnés, les règles des adultes s'appliquent.")
    host_manager: Manager = Field(description="Responsable de la structure hôte.")
    host_contact: Contact = Field(description="Personne de contact au sein de la structure hôte.")
    objectives: TextList = Field(
        default_factory=lambda: list(DEFAULT_IMMERSION_OBJECTIVES),
        min_length=1,
        description="Objet de l'immersion ; par défaut, les deux buts de la convention type.",
    )
    signature: Signature | None = Field(None, description="Lieu et date de signature.")


Agreement = Pfmp | Immersion
MODELS: dict[str, type[Pfmp] | type[Immersion]] = {"pfmp": Pfmp, "immersion": Immersion}
KINDS = tuple(MODELS)


def json_schema(kind: str) -> dict[str, Any]:
    schema = MODELS[kind].model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}

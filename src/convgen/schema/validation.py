"""Schema validation: a loaded document becomes a model, or SCHEMA findings.

Pydantic's errors are turned into findings that name the field, point at the YAML
line, and say in the user's language what to write instead.
"""

from __future__ import annotations

import datetime as dt
import re
import types
from dataclasses import replace
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from convgen.findings import MAX_FINDINGS, Finding, Location, Severity, located
from convgen.i18n import Lang, Msg
from convgen.schema.fields import MESSAGES
from convgen.schema.models import KINDS, MODELS, Agreement
from convgen.source.reader import Document, FieldPath
from convgen.text import closest, dotted, shortened

BUILTIN: dict[str, Msg] = {
    "missing": Msg("champ obligatoire manquant : « {name} »{about}", "required field missing: '{name}'{about}"),
    "extra_forbidden": Msg("champ inconnu « {name} »{suggestion}", "unknown field '{name}'{suggestion}"),
    "model_type": Msg(
        "un bloc de champs « clé: valeur » est attendu ici{found}",
        "a mapping of 'key: value' fields is expected here{found}",
    ),
    "list_type": Msg(
        "une liste est attendue (un élément par ligne précédé de « - », ou [a, b]){found}",
        "a list is expected (one item per line after '- ', or [a, b]){found}",
    ),
    "too_short": Msg("au moins {min_length} élément attendu ici", "at least {min_length} item expected here"),
    "literal_error": Msg(
        "valeur « {shown} » non acceptée ; valeurs acceptées : {expected}{suggestion}",
        "value '{shown}' is not accepted; accepted values: {expected}{suggestion}",
    ),
    "empty_value": Msg("valeur vide : renseignez ce champ", "empty value: fill in this field"),
    "unknown": Msg("valeur non valide ({detail})", "invalid value ({detail})"),
}
BUILTIN["model_attributes_type"] = BUILTIN["dict_type"] = BUILTIN["model_type"]

M_MORE = Msg(
    "… et {count} autres erreurs de format, non détaillées : corrigez d'abord celles-ci (ce fichier est-il bien une convention ?)",
    "… and {count} more format errors, not detailed: fix these first (is this file really an agreement?)",
)
M_FOUND = Msg(" et non « {shown} »", ", not '{shown}'")
M_SUGGEST = Msg(" ; vouliez-vous dire « {name} » ?", "; did you mean '{name}'?")
M_ACCEPTED = Msg(" ; champs acceptés ici : {names}", "; fields accepted here: {names}")
M_QUOTE = Msg(
    'écrivez cette valeur entre guillemets : "{text}" (sans guillemets, YAML lit {text} comme {what})',
    'write this value in quotes: "{text}" (unquoted, YAML reads {text} as {what})',
)
_WHAT = {
    bool: Msg("une valeur oui/non", "a yes/no value"),
    int: Msg("le nombre {value}", "the number {value}"),
    float: Msg("le nombre {value}", "the number {value}"),
    dt.date: Msg("une date", "a date"),
    dt.datetime: Msg("une date et heure", "a date and time"),
}
M_KEY_SLIP = Msg(
    "un texte est attendu, mais YAML lit « {text} » comme un bloc « clé: valeur » (clé « {key} ») : "
    "« : » suivi d'une espace sépare une clé de sa valeur. Mettez le texte entre guillemets : {fixed}{other}",
    "text expected, but YAML reads '{text}' as a 'key: value' mapping (key '{key}'): "
    "':' followed by a space separates a key from its value. Put the text in quotes: {fixed}{other}",
)
M_SLIP_DASH = Msg(" (ou écrivez « {dashed} »)", " (or write '{dashed}')")
M_COLON_LESS = Msg(
    "un bloc de champs « clé: valeur » est attendu ici, et non le texte « {shown} » : il manque sans doute « : » après « {key} » ; écrivez « {fixed} »",
    "a mapping of 'key: value' fields is expected here, not the text '{shown}': a ':' is probably missing after '{key}'; write '{fixed}'",
)
M_KIND_MISSING = Msg(
    "champ « kind » manquant : indiquez le type de convention ({kinds}), par exemple « kind: pfmp »",
    "field 'kind' is missing: give the kind of agreement ({kinds}), for example 'kind: pfmp'",
)
M_KIND_UNKNOWN = Msg(
    "type de convention « {shown} » inconnu ; types acceptés : {kinds}{suggestion}",
    "unknown kind of agreement '{shown}'; accepted kinds: {kinds}{suggestion}",
)
# Types whose input may be a value YAML converted from a plain scalar.
_EXPECTS_TEXT = {"text_type", "postal_code", "phone", "email"}


def _strip(tp: Any) -> Any:
    """Remove Annotated and Optional around a type."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(tp) if arg is not type(None)]
            if len(members) != 1:
                return tp
            tp = members[0]
        else:
            return tp


def _field(model: type[BaseModel], name: Any) -> FieldInfo | None:
    for field_name, info in model.model_fields.items():
        if name in (info.alias, field_name):
            return info
    return None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def type_at(model: type[BaseModel], path: FieldPath) -> Any:
    """The declared type of the value at path, or None where the path leaves the schema."""
    tp: Any = model
    for step in path:
        tp = _strip(tp)
        if _is_model(tp):
            info = _field(tp, step)
            if info is None:
                return None
            tp = info.annotation
        elif get_origin(tp) is list and isinstance(step, int):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
    return _strip(tp)


def field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


class SchemaFields:
    """The schema's fields as a campaign's class list checks its columns against them."""

    def has_kind(self, kind: str) -> bool:
        return kind in MODELS

    def exists(self, kind: str, path: FieldPath) -> bool:
        return type_at(MODELS[kind], path) is not None

    def names(self, kind: str, path: FieldPath) -> list[str]:
        block = type_at(MODELS[kind], path)
        return field_names(block) if _is_model(block) else []


def _suggest(name: str, choices: list[str], lang: Lang) -> str:
    close = closest(name, choices)
    return M_SUGGEST.get(lang).format(name=close) if close else ""


def _shown(value: Any) -> str:
    return shortened(str(value))


def _yaml_quoted(text: str) -> str:
    """A text as YAML reads it back unchanged: double quotes, unless \\ or " would need escaping there."""
    if '"' in text or "\\" in text:
        return "'" + text.replace("'", "''") + "'"
    return f'"{text}"'


class _Translator:
    def __init__(self, doc: Document, model: type[BaseModel], lang: Lang) -> None:
        self.doc = doc
        self.model = model
        self.lang = lang

    def finding(self, error: Any) -> Finding:
        loc = tuple(error["loc"])
        # A bad key (a date of `exceptions`) is pointed at itself, not at the value it introduces.
        is_key = bool(loc) and loc[-1] == "[key]"
        if is_key:
            loc = loc[:-1]
        path: FieldPath = tuple(part if isinstance(part, int) else str(part) for part in loc)
        kind = error["type"]
        ctx = dict(error.get("ctx") or {})
        raw = self.doc.source.scalars.get(path)
        given = error.get("input")
        if kind == "missing":
            location = self.doc.source.locate(path[:-1], prefer="key") or Location(1, 1)
            message = self._missing(path)
        elif kind == "extra_forbidden":
            location = self.doc.source.keys.get(path) or self.doc.source.locate(path)
            message = self._unknown(path)
        else:
            location = (self.doc.source.keys.get(path) if is_key else None) or self.doc.source.values.get(path)
            location = location or self.doc.source.locate(path, prefer="value")
            message = self._invalid(kind, ctx, given, raw, error.get("msg", ""))
            if kind == "text_type":
                slip = self._key_slip(path, given)
                if slip is not None:
                    message, location = slip
            elif kind in ("model_type", "model_attributes_type", "dict_type") and isinstance(given, str):
                message = self._colon_less(path, given) or message
        return located("SCHEMA", Severity.ERROR, message, location, field=dotted(path) or None)

    def _key_slip(self, path: FieldPath, given: Any) -> tuple[str, Location] | None:
        """The hint for a text such as `- C1 : Analyser…` that, unquoted, YAML read as a one-key mapping.

        Written `name: C1 : Analyser…` the same slip is a syntax error that says to quote;
        as a list item, or alone on its line, it parses, and only the text type complains.
        """
        if not isinstance(given, dict) or len(given) != 1:
            return None
        ((key, value),) = given.items()
        if isinstance(value, (dict, list)):
            return None
        source = self.doc.source
        start, key_loc, value_loc = source.values.get(path), source.keys.get(path + (key,)), source.values.get(path + (key,))
        # Only a YAML line can be quoted back: a campaign's CSV cell never holds a mapping.
        line = source.line_text(key_loc.line) if key_loc is not None and key_loc.file is None else None
        if start is None or value_loc is None or line is None:
            return None
        if (source.line_text(start.line) or "")[start.column - 1 : start.column] == "{":
            return None  # braces say a mapping was meant: "a text is expected" is the whole story
        if value_loc.line == key_loc.line and value_loc.end_column is not None:
            text = line[key_loc.column - 1 : value_loc.end_column - 1]
        else:
            text = re.split(r"\s#", line[key_loc.column - 1 :], maxsplit=1)[0].rstrip()
            if value is not None and value_loc.line > key_loc.line:
                text += f" {value}"
        lead = line[: key_loc.column - 1].strip()
        # The fix is shown as the line would read: with its "- " in a block list, alone otherwise.
        prefix = "- " * lead.count("-") if lead and not lead.strip("- ") else ""
        shown = _shown(text)
        quoted = _yaml_quoted(shown)
        other = ""
        if value is not None:
            other = M_SLIP_DASH.get(self.lang).format(dashed=_shown(re.sub(r"\s*:\s+", " - ", text, count=1)))
        message = M_KEY_SLIP.get(self.lang).format(text=shown, key=_shown(key), fixed=prefix + quoted, other=other)
        # Underlined from the key to the end of its value, where the quotes go.
        end = key_loc.column + len(text) if value_loc.line == key_loc.line else None
        return message, Location(key_loc.line, key_loc.column, end, key_loc.file)

    def _colon_less(self, path: FieldPath, given: str) -> str | None:
        """The hint for a block of one field written without its ':' (`place Vénissieux`), which YAML reads as a text."""
        expected = type_at(self.model, path)
        word, _, rest = given.strip().partition(" ")
        if not _is_model(expected) or word not in field_names(expected):
            return None
        fixed = f"{word}: {rest.strip()}" if rest.strip() else f"{word}:"
        return M_COLON_LESS.get(self.lang).format(shown=_shown(given), key=word, fixed=_shown(fixed))

    def _missing(self, path: FieldPath) -> str:
        parent = type_at(self.model, path[:-1])
        about = ""
        if _is_model(parent):
            info = _field(parent, path[-1])
            if info is not None and info.description and self.lang == "fr":
                about = f" ({info.description.rstrip('.')})"
        return BUILTIN["missing"].get(self.lang).format(name=path[-1], about=about)

    def _unknown(self, path: FieldPath) -> str:
        parent = type_at(self.model, path[:-1])
        names = field_names(parent) if _is_model(parent) else []
        suggestion = _suggest(str(path[-1]), names, self.lang)
        if not suggestion and names:
            suggestion = M_ACCEPTED.get(self.lang).format(names=", ".join(names))
        return BUILTIN["extra_forbidden"].get(self.lang).format(name=_shown(path[-1]), suggestion=suggestion)

    def _invalid(self, kind: str, ctx: dict[str, Any], given: Any, raw: str | None, detail: str) -> str:
        lang = self.lang
        if given is None and kind in (
            "text_type",
            "model_type",
            "list_type",
            "date_type",
            "dict_type",
            "slots_type",
            "amount",
            "bool_type",
        ):
            return BUILTIN["empty_value"].get(lang)
        template = MESSAGES.get(kind) or BUILTIN.get(kind)
        if template is None:
            return BUILTIN["unknown"].get(lang).format(detail=detail)
        ctx.update((key, value.get(lang)) for key, value in ctx.items() if isinstance(value, Msg))
        if raw is not None and "value" in ctx:
            ctx["value"] = raw
        # A value is quoted so the user can find it, not reproduced: a megabyte stays in the file.
        for key in ("value", "shown", "text"):
            if isinstance(ctx.get(key), str):
                ctx[key] = _shown(ctx[key])
        if raw is not None:
            raw = _shown(raw)
        shown = raw if raw is not None else ctx.get("shown")
        ctx["found"] = M_FOUND.get(lang).format(shown=_shown(shown)) if shown is not None else ""
        if kind == "literal_error":
            shown = raw if raw is not None else _shown(given)
            expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
            ctx.update(shown=shown, expected=expected, suggestion=_suggest(str(shown), expected.split(", "), lang))
        if kind in _EXPECTS_TEXT and raw is not None and not isinstance(given, str):
            what = _WHAT.get(type(given), Msg("autre chose qu'un texte", "something other than text"))
            return M_QUOTE.get(lang).format(text=raw, what=what.get(lang).format(value=given))
        return template.get(lang).format_map(_Defaults(ctx))


class _Defaults(dict):
    def __missing__(self, key: str) -> str:
        return ""


def validate(doc: Document, lang: Lang = "fr") -> tuple[Agreement | None, list[Finding]]:
    """The agreement model of a loaded document, or the SCHEMA findings that prevent it."""
    data = doc.data
    kind = data.get("kind")
    kinds = ", ".join(KINDS)
    if kind is None or kind == "":
        return None, [located("SCHEMA", Severity.ERROR, M_KIND_MISSING.get(lang).format(kinds=kinds), Location(1, 1), field="kind")]
    if not isinstance(kind, str) or kind not in MODELS:
        location = doc.source.values.get(("kind",))
        shown = _shown(doc.source.scalars.get(("kind",), kind))
        message = M_KIND_UNKNOWN.get(lang).format(shown=shown, kinds=kinds, suggestion=_suggest(str(kind), list(KINDS), lang))
        return None, [located("SCHEMA", Severity.ERROR, message, location, field="kind")]
    model = MODELS[kind]
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        translator = _Translator(doc, model, lang)
        errors = error.errors()
        # Thousands of errors say one thing (not an agreement, or the wrong kind): a
        # screenful is enough, and explaining each one costs time.
        dropped = errors[MAX_FINDINGS:]
        errors = _drop_misspelt_missing(errors[:MAX_FINDINGS], model)
        findings = [translator.finding(item) for item in errors]
        if dropped:
            first = translator.finding(dropped[0])  # where the ones not detailed start
            more = M_MORE.get(lang).format(count=len(dropped))
            findings.append(replace(first, message=more, field=None, end_column=None))
        return None, findings


def _drop_misspelt_missing(errors: list[Any], model: type[BaseModel]) -> list[Any]:
    """A misspelt key also leaves its real key missing: say it once, at the misspelling."""
    misspelt: set[tuple] = set()
    for error in errors:
        if error["type"] != "extra_forbidden":
            continue
        *parent, name = error["loc"]
        parent_type = type_at(model, tuple(parent))
        if _is_model(parent_type):
            close = closest(str(name), field_names(parent_type))
            if close is not None:
                misspelt.add((*parent, close))
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in misspelt)]

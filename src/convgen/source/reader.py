"""Safe YAML loading that remembers where every value came from.

PyYAML composes the node tree (with libyaml when available); the values are then
built here rather than by PyYAML's constructor so that we can record the position
of every key and value, refuse duplicate keys and object-building tags, keep the
source text of scalars YAML 1.1 silently turned into numbers or booleans, and bound
the work an alias bomb or a recursive alias could cause.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from convgen.findings import MAX_FINDINGS, Finding, Location, Severity, located
from convgen.i18n import Lang, Msg
from convgen.text import dotted, line_column, shortened

MAX_BYTES = 1 << 20
"""Default size limit of one agreement file; an agreement takes a few kilobytes."""
MAX_NODES = 100_000
"""Values built from one file, aliases expanded; bounds "billion laughs" files."""
MAX_DEPTH = 40
"""Nesting depth; also stops recursive aliases."""

FieldPath = tuple[str | int, ...]


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE = SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with the tag of each plain scalar resolved once per distinct text.

    PyYAML tries its implicit-type patterns on every plain scalar, in Python; an
    agreement repeats the same few texts (times, booleans, dates) and a batch repeats
    them across files. There are no path resolvers, so the descend/ascend calls the
    composer makes around each node have nothing to do.
    """

    _tags: dict[str, str] = {}

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0]:
                return _STR
            tag = self._tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                # Only short texts repeat (times, dates, yes/no); the cache stays small whatever the input.
                if len(value) <= 64:
                    if len(self._tags) >= 4096:
                        self._tags.clear()
                    self._tags[value] = tag
            return tag
        return _SEQ if kind is SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


_MERGE = "tag:yaml.org,2002:merge"
_SCALARS = {
    _STR: None,
    "tag:yaml.org,2002:null": _SAFE.construct_yaml_null,
    "tag:yaml.org,2002:bool": _SAFE.construct_yaml_bool,
    "tag:yaml.org,2002:int": _SAFE.construct_yaml_int,
    "tag:yaml.org,2002:float": _SAFE.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": _SAFE.construct_yaml_timestamp,
}


@dataclass
class SourceMap:
    """Where each key and value of the document stands in the file (1-based)."""

    lines: list[str]
    keys: dict[FieldPath, Location] = field(default_factory=dict)
    values: dict[FieldPath, Location] = field(default_factory=dict)
    # Source text of plain scalars that YAML read as something other than a string.
    scalars: dict[FieldPath, str] = field(default_factory=dict)

    def locate(self, path: FieldPath, prefer: str = "key") -> Location | None:
        """The key (or value) at path, else the nearest enclosing one that exists."""
        first, second = (self.keys, self.values) if prefer == "key" else (self.values, self.keys)
        for end in range(len(path), 0, -1):
            sub = path[:end]
            loc = first.get(sub) or second.get(sub)
            if loc is not None:
                return loc
        return None

    def line_text(self, line: int | None) -> str | None:
        if line is None or not 1 <= line <= len(self.lines):
            return None
        return self.lines[line - 1]


@dataclass
class Document:
    """A loaded file: its data (None when it could not be read) and its findings so far."""

    data: Any
    source: SourceMap
    findings: list[Finding]

    @property
    def usable(self) -> bool:
        return isinstance(self.data, dict)


class _Abort(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def _finding(rule: str, msg: Msg, lang: Lang, loc: Location | None = None, field: str | None = None, **params: Any) -> Finding:
    return located(rule, Severity.ERROR, msg.get(lang).format(**params), loc, field=field)


def _short_tag(tag: str) -> str:
    return shortened("!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag)


_tuple = tuple.__new__  # a Location made without the named tuple's keyword handling: one per key and value


def _mark_location(node: Node) -> Location:
    start, end = node.start_mark, node.end_mark
    line, column = start.line, start.column
    return _tuple(Location, (line + 1, column + 1, end.column + 1 if end.line == line and end.column > column else None, None))


M_DUPLICATE = Msg(
    "clé « {key} » écrite deux fois dans le même bloc (déjà ligne {first}) : YAML ne garderait que la dernière valeur ; gardez-en une seule.",
    "key '{key}' is written twice in the same mapping (first on line {first}): YAML would silently keep the last value; keep only one.",
)
M_TAG = Msg(
    "balise YAML « {tag} » non autorisée : une convention ne contient que du texte, des nombres, des dates, des listes et des blocs clé: valeur.",
    "YAML tag '{tag}' is not allowed: an agreement holds only text, numbers, dates, lists and key: value mappings.",
)
M_COMPLEX_KEY = Msg(
    "clé non valide : une clé doit être un nom simple (par exemple « name »), pas une liste ni un bloc.",
    "invalid key: a key must be a plain name (such as 'name'), not a list or a mapping.",
)
M_TOO_MANY = Msg(
    "document trop grand : plus de {limit} valeurs une fois les alias YAML (*…) développés ; une convention en compte quelques centaines.",
    "document too large: more than {limit} values once YAML aliases (*…) are expanded; an agreement has a few hundred.",
)
M_TOO_DEEP = Msg(
    "imbrication trop profonde (plus de {limit} niveaux) ou alias YAML qui se contient lui-même.",
    "nesting too deep (more than {limit} levels) or a YAML alias that contains itself.",
)
M_MERGE = Msg(
    "« << » (fusion YAML) attend un alias vers un bloc clé: valeur, par exemple « <<: *horaires ».",
    "'<<' (YAML merge) expects an alias to a key: value mapping, such as '<<: *hours'.",
)


class _Builder:
    """Turns a composed node tree into plain Python values plus a SourceMap."""

    def __init__(self, source: SourceMap, lang: Lang) -> None:
        self.source = source
        self.values = source.values
        self.keys = source.keys
        self.lang = lang
        self.count = 0
        self.findings: list[Finding] = []

    def build(self, node: Node, path: FieldPath, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Abort(_finding("YAML_SYNTAX", M_TOO_MANY, self.lang, _mark_location(node), limit=MAX_NODES))
        if depth > MAX_DEPTH:
            raise _Abort(_finding("YAML_SYNTAX", M_TOO_DEEP, self.lang, _mark_location(node), limit=MAX_DEPTH))
        self.values[path] = _mark_location(node)
        kind = type(node)
        if kind is ScalarNode:
            return self._scalar(node, path)
        if kind is SequenceNode:
            self._check_tag(node, _SEQ)
            return [self.build(item, path + (index,), depth + 1) for index, item in enumerate(node.value)]
        if kind is MappingNode:
            self._check_tag(node, _MAP)
            return self._mapping(node, path, depth)
        raise _Abort(_finding("YAML_SYNTAX", M_TAG, self.lang, _mark_location(node), tag=_short_tag(node.tag)))

    def _check_tag(self, node: Node, expected: str) -> None:
        if node.tag != expected:
            raise _Abort(_finding("YAML_SYNTAX", M_TAG, self.lang, _mark_location(node), tag=_short_tag(node.tag)))

    def _scalar(self, node: ScalarNode, path: FieldPath) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        construct = _SCALARS.get(tag)
        if construct is None:
            raise _Abort(_finding("YAML_SYNTAX", M_TAG, self.lang, _mark_location(node), tag=_short_tag(tag)))
        if not node.style:  # plain: None from PyYAML, '' from libyaml
            self.source.scalars[path] = node.value
        try:
            return construct(node)
        except (ValueError, OverflowError, TypeError):
            # An impossible date (2026-02-30) or an absurd number: keep the text and
            # let the schema say what is wrong with it, with its field.
            return node.value

    def _mapping(self, node: MappingNode, path: FieldPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            if type(key_node) is not ScalarNode:
                raise _Abort(_finding("YAML_SYNTAX", M_COMPLEX_KEY, self.lang, _mark_location(key_node), field=dotted(path) or None))
            key = key_node.value
            key_loc = _mark_location(key_node)
            here = path + (key,)
            if key in first_line:
                if len(self.findings) < MAX_FINDINGS:
                    self.findings.append(
                        _finding(
                            "YAML_SYNTAX", M_DUPLICATE, self.lang, key_loc, field=dotted(here), key=shortened(key), first=first_line[key]
                        )
                    )
                continue
            first_line[key] = key_loc[0]
            self.keys[here] = key_loc
            result[key] = self.build(value_node, here, depth + 1)
        # YAML merge keys: explicit keys win, then earlier merged mappings over later ones.
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, MappingNode):
                    raise _Abort(_finding("YAML_SYNTAX", M_MERGE, self.lang, _mark_location(source)))
                for key_node, value_node in source.value:
                    if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE or key_node.value in result:
                        continue
                    key = key_node.value
                    self.source.keys.setdefault(path + (key,), _mark_location(key_node))
                    result[key] = self.build(value_node, path + (key,), depth + 1)
        return result


M_SYNTAX = Msg("syntaxe YAML invalide : {problem}.", "invalid YAML syntax: {problem}.")
# A complaint convgen does not know (a newer PyYAML or libyaml may word things anew): the
# reader's own words are English, so a French message gives the place and the usual causes.
M_SYNTAX_RAW = Msg(
    "syntaxe YAML invalide à cet endroit : vérifiez l'indentation (des espaces, alignés), les « : » après chaque clé et les guillemets autour des valeurs qui commencent par un signe ; relancez avec --lang en pour le message anglais du lecteur YAML.",
    "invalid YAML syntax: {problem}.",
)
M_MULTI = Msg(
    "plusieurs documents YAML (séparés par « --- ») dans un même fichier : écrivez une convention par fichier.",
    "several YAML documents (separated by '---') in one file: write one agreement per file.",
)
M_TAB = Msg(
    "tabulation dans l'indentation : YAML n'accepte que des espaces pour indenter.",
    "tab character in indentation: YAML accepts only spaces for indentation.",
)
M_COLON = Msg(
    "« : » inattendu ici : vérifiez l'indentation, ou mettez entre guillemets une valeur qui contient « : ».",
    "unexpected ':' here: check the indentation, or quote a value that contains ': '.",
)
M_CONTROL = Msg(
    "caractère non imprimable {char} interdit dans un fichier YAML.",
    "non-printable character {char} is not allowed in a YAML file.",
)


# PyYAML's usual complaints, said the way a person editing the file understands them.
_EXPLAINED = (
    (
        "did not find expected ',' or ']'",
        Msg("liste entre crochets non refermée (« ] » ou « , » attendu)", "bracketed list not closed (']' or ',' expected)"),
    ),
    (
        "did not find expected ',' or '}'",
        Msg("bloc entre accolades non refermé (« }} » ou « , » attendu)", "braced mapping not closed ('}}' or ',' expected)"),
    ),
    (
        "could not find expected ':'",
        Msg("« : » attendu après une clé (écrivez « clé: valeur »)", "':' expected after a key (write 'key: value')"),
    ),
    ("while scanning a quoted scalar", Msg("guillemet ouvert mais jamais refermé", "quotation mark opened but never closed")),
    (
        "found undefined alias",
        Msg("alias (*nom) sans ancre (&nom) définie plus haut", "alias (*name) without an anchor (&name) defined above"),
    ),
    (
        "found unknown escape character",
        Msg(
            "séquence « \\ » inconnue entre guillemets doubles : utilisez des guillemets simples",
            "unknown '\\' escape in double quotes: use single quotes",
        ),
    ),
    (
        "cannot start any token",
        Msg(
            "une valeur ne peut pas commencer par « {char} » : mettez-la entre guillemets",
            "a value cannot start with '{char}': put it in quotes",
        ),
    ),
    ("did not find expected '-' indicator", Msg("indentation incohérente dans une liste", "inconsistent indentation in a list")),
    (
        "did not find expected key",
        Msg("indentation incohérente : une clé est attendue à ce niveau", "inconsistent indentation: a key is expected at this level"),
    ),
    (
        "did not find expected node content",
        Msg(
            "valeur attendue ici : une valeur ne peut pas commencer par ce caractère ; mettez-la entre guillemets",
            "a value is expected here: a value cannot start with this character; put it in quotes",
        ),
    ),
    (
        "mapping keys are not allowed in this context",
        Msg(
            "« ? » inattendu : mettez la valeur entre guillemets si elle commence par « ? »",
            "unexpected '?': put the value in quotes if it starts with '?'",
        ),
    ),
    (
        "block sequence entries are not allowed in this context",
        Msg(
            "élément de liste « - » inattendu ici : vérifiez l'indentation, ou mettez entre guillemets une valeur qui commence par « - »",
            "unexpected list item '-' here: check the indentation, or quote a value that starts with '-'",
        ),
    ),
    (
        "while scanning an alias",
        Msg(
            "« * » introduit un alias YAML (*nom) : mettez entre guillemets une valeur qui commence par « * »",
            "'*' starts a YAML alias (*name): quote a value that starts with '*'",
        ),
    ),
    (
        "while scanning an anchor",
        Msg(
            "« & » introduit une ancre YAML (&nom) : mettez entre guillemets une valeur qui commence par « & »",
            "'&' starts a YAML anchor (&name): quote a value that starts with '&'",
        ),
    ),
    (
        "while scanning a block scalar",
        Msg(
            "après « | » ou « > » (texte sur plusieurs lignes), rien d'autre sur la ligne ; mettez entre guillemets une valeur qui commence par ces caractères",
            "after '|' or '>' (text on several lines), nothing else on the line; quote a value that starts with these characters",
        ),
    ),
    (
        "while scanning a tag",
        Msg(
            "« ! » introduit une balise YAML : mettez entre guillemets une valeur qui commence par « ! »",
            "'!' starts a YAML tag: quote a value that starts with '!'",
        ),
    ),
    (
        "while scanning a directive",
        Msg(
            "une ligne qui commence par « % » est une directive YAML : mettez cette valeur entre guillemets",
            "a line starting with '%' is a YAML directive: put this value in quotes",
        ),
    ),
    (
        "did not find expected <document start>",
        Msg("texte inattendu après la fin du document", "unexpected text after the end of the document"),
    ),
    (
        "hexdecimal number",
        Msg(
            "séquence « \\x », « \\u » ou « \\U » incomplète entre guillemets doubles : utilisez des guillemets simples",
            "incomplete '\\x', '\\u' or '\\U' escape in double quotes: use single quotes",
        ),
    ),
    (
        "invalid unicode character escape code",
        Msg(
            "séquence « \\u » ou « \\U » qui ne désigne aucun caractère entre guillemets doubles : utilisez des guillemets simples",
            "'\\u' or '\\U' escape that is no character, in double quotes: use single quotes",
        ),
    ),
    (
        "found unexpected ':'",
        Msg(
            "« : » inattendu : mettez entre guillemets une valeur qui contient « : »",
            "unexpected ':': quote a value that contains ':'",
        ),
    ),
    (
        "expected <block end>",
        Msg(
            "indentation incohérente : cette ligne ne s'aligne sur aucun bloc", "inconsistent indentation: this line lines up with no block"
        ),
    ),
)


# For an unclosed quote or bracket, where it was opened says more than where the file ended.
_POINT_AT_OPENING = {"did not find expected ',' or ']'", "did not find expected ',' or '}'", "while scanning a quoted scalar"}


def _char_at(text: str, mark: Any) -> str | None:
    if mark is None:
        return None
    lines = text.split("\n", mark.line + 1)
    if mark.line < len(lines) and mark.column < len(lines[mark.line]):
        return lines[mark.line][mark.column]
    return None


M_NO_COLON = Msg(
    "syntaxe YAML invalide : il manque sans doute « : » après « {key} » ; écrivez « {fixed} ».",
    "invalid YAML syntax: a ':' is probably missing after '{key}'; write '{fixed}'.",
)
M_COLON_SPACE = Msg(
    "syntaxe YAML invalide : « : » doit être suivi d'une espace ; écrivez « {fixed} ».",
    "invalid YAML syntax: ':' must be followed by a space; write '{fixed}'.",
)
M_NO_DASH = Msg(
    "syntaxe YAML invalide : il manque sans doute « - » devant « {text} » : chaque élément d'une liste commence par « - ».",
    "invalid YAML syntax: a '-' is probably missing before '{text}': each item of a list starts with '-'.",
)
M_NOT_KEY = Msg(
    "syntaxe YAML invalide : ligne sans « : » au milieu de champs « clé: valeur » ; écrivez « clé: valeur »{more}.",
    "invalid YAML syntax: a line without ':' among 'key: value' fields; write 'key: value'{more}.",
)
M_CONTINUED = Msg(
    " ; si cette ligne continue le texte de « {key} », indentez-la davantage que « {key} » ou mettez ce texte entre guillemets",
    "; if this line carries on the text of '{key}', indent it more than '{key}' or put that text in quotes",
)

# The keys of an agreement are English snake_case: a line that starts with such a word is a key.
_KEY_WORD = re.compile(r"[a-z][a-z0-9_]*")
_COMMENT = re.compile(r"(?:^|\s)#")
# Characters that start something else than a plain text: quotes, brackets, anchors, tags, block texts…
_NOT_PLAIN = "\"'[]{}&*!|>?%@`#"


def _bare(line: str) -> str:
    """A line without its indentation and its comment."""
    return _COMMENT.split(line, maxsplit=1)[0].strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _item_column(line: str) -> int:
    """Where a line's content starts once the "- " of list items are passed (0-based)."""
    column = _indent(line)
    while line[column : column + 2] == "- " or line[column:].rstrip() == "-":
        column += 2
        while line[column : column + 1] == " ":
            column += 1
    return column


def _significant_before(lines: list[str], index: int) -> int | None:
    """The line above index that holds something other than blanks and comments."""
    for before in range(index - 1, -1, -1):
        if _bare(lines[before]):
            return before
    return None


def _missing_colon(lines: list[str], index: int, column: int, lang: Lang) -> Finding | None:
    """The finding for a key written without its ":" at lines[index][column:], when the line clearly is one.

    The YAML reader notices the missing ':' only where the next key starts, a line or more
    below: the finding is put back on the line a person has to fix.
    """
    line = lines[index]
    content = _bare(line[column:])
    if not content or content[0] in _NOT_PLAIN or content.startswith(("- ", "---")) or content == "-":
        return None
    loc = Location(index + 1, column + 1, column + 1 + len(content))
    above = _significant_before(lines, index)
    if above is not None and _indent(lines[above]) == column and _bare(lines[above]).startswith("-"):
        return _finding("YAML_SYNTAX", M_NO_DASH, lang, loc, text=shortened(content, 40))
    word = content.split()[0]
    head, colon, tail = word.partition(":")
    if colon and tail and _KEY_WORD.fullmatch(head):
        fixed = f"{head}: {content[len(head) + 1 :].lstrip()}"
        return _finding("YAML_SYNTAX", M_COLON_SPACE, lang, loc._replace(end_column=column + 2 + len(head)), fixed=shortened(fixed))
    # Two letters are more often a French word than a key ("en", "de", "la"): such a line may
    # rather carry on the text of the key above, written less indented than YAML needs.
    if _KEY_WORD.fullmatch(word) and (len(word) > 2 or "_" in word):
        rest = content[len(word) :].strip()
        fixed = f"{word}: {rest}" if rest else f"{word}:"
        return _finding("YAML_SYNTAX", M_NO_COLON, lang, loc._replace(end_column=column + 1 + len(word)), key=word, fixed=shortened(fixed))
    more = ""
    if above is not None and _item_column(lines[above]) == column:
        key, colon, value = _bare(lines[above][column:]).partition(": ")
        if colon and _KEY_WORD.fullmatch(key) and value and value[0] not in _NOT_PLAIN:
            more = M_CONTINUED.get(lang).format(key=key)
    return _finding("YAML_SYNTAX", M_NOT_KEY, lang, loc, more=more)


def _swallowed_key(lines: list[str], index: int, column: int) -> tuple[int, int] | None:
    """Where the key-less line starts when a ':' at lines[index][column] is "not allowed".

    A first key written without its ':' (`school:` then `  name Lycée` then `  uai: …`)
    makes one text of its line and the next key, whose ':' then comes too late: the line
    to fix is the key-less one above. None when the shape is any other.
    """
    line = lines[index] if index < len(lines) else ""
    indent = _indent(line)
    if line[column : column + 1] != ":" or line[column + 1 : column + 2] not in ("", " ") or line.find(":") != column:
        return None
    if not _KEY_WORD.fullmatch(line[indent:column].rstrip()):
        return None
    start = None
    above: int | None = index
    while (above := _significant_before(lines, above)) is not None:
        text = lines[above]
        content = _bare(text[indent:])
        if _item_column(text) != indent or not content or content[0] in _NOT_PLAIN or ": " in content or content.endswith(":"):
            break
        start = above
        if _indent(text) != indent:
            break  # "- " opens the text: what is above is another item
    if start is None or not _KEY_WORD.fullmatch(_bare(lines[start][indent:]).split()[0]):
        return None
    if _indent(lines[start]) == indent:
        # The text must open a block ("key:" just above, less indented) or the document.
        opener = _significant_before(lines, start)
        if opener is not None and (_indent(lines[opener]) >= indent or not _bare(lines[opener]).endswith(":")):
            return None
    return start, indent


def _syntax_finding(error: yaml.YAMLError, text: str, lang: Lang) -> Finding:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if isinstance(error, yaml.reader.ReaderError):
        char = error.character if isinstance(error.character, str) else chr(error.character)
        position = error.position
        if not (0 <= position < len(text) and text[position] == char):
            # libyaml counts bytes of UTF-8, the pure-Python reader characters.
            position = len(text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "ignore"))
        line, column = line_column(text, position)
        return _finding("YAML_SYNTAX", M_CONTROL, lang, Location(line, column), char=f"U+{ord(char):04X}")
    loc = Location(mark.line + 1, mark.column + 1) if mark is not None else None
    lowered = problem.lower()
    if "expected a single document" in lowered or "but found another document" in lowered:
        return _finding("YAML_SYNTAX", M_MULTI, lang, loc)
    at_mark = _char_at(text, mark)
    if at_mark == "\t" or "'\\t'" in problem:
        return _finding("YAML_SYNTAX", M_TAB, lang, loc)
    context = getattr(error, "context", None) or ""
    opened = getattr(error, "context_mark", None)
    if "could not find expected ':'" in lowered and context == "while scanning a simple key" and opened is not None:
        # The reader names where the next key starts; the key without ':' is where it began reading.
        lines = text.splitlines()
        if opened.line < len(lines):
            found = _missing_colon(lines, opened.line, opened.column, lang)
            if found is not None:
                return found
    if "mapping values are not allowed" in lowered:
        lines = text.splitlines()
        start = _swallowed_key(lines, mark.line, mark.column) if mark is not None else None
        found = _missing_colon(lines, *start, lang) if start is not None else None
        return found or _finding("YAML_SYNTAX", M_COLON, lang, loc)
    if "nesting depth" in lowered:  # libyaml's own limit (PyYAML 6.0.4 and later), above convgen's
        return _finding("YAML_SYNTAX", M_TOO_DEEP, lang, loc, limit=MAX_DEPTH)
    for fragment, explained in _EXPLAINED:
        if fragment in lowered or fragment in context:
            if fragment in _POINT_AT_OPENING and opened is not None:
                loc = Location(opened.line + 1, opened.column + 1)
            return _finding("YAML_SYNTAX", M_SYNTAX, lang, loc, problem=explained.get(lang).format(char=at_mark or "?"))
    detail = f"{context}, {problem}" if context else problem
    return _finding("YAML_SYNTAX", M_SYNTAX_RAW, lang, loc, problem=detail)


M_EMPTY = Msg(
    "le fichier est vide : une convention commence par « kind: pfmp » (ou immersion) et « version: 1 » ; « convgen new pfmp » en écrit une complète.",
    "the file is empty: an agreement starts with 'kind: pfmp' (or immersion) and 'version: 1'; 'convgen new pfmp' writes a complete one.",
)
M_NOT_MAPPING = Msg(
    "le document doit être un bloc de champs « clé: valeur » (kind, version, …), pas {what}.",
    "the document must be a mapping of 'key: value' fields (kind, version, …), not {what}.",
)
_WHAT = {
    "list": Msg("une liste", "a list"),
    "text": Msg("un texte seul", "a lone text"),
    "value": Msg("une valeur seule", "a lone value"),
}


def load_text(text: str, lang: Lang = "fr") -> Document:
    """Load one YAML agreement held in a string."""
    source = SourceMap(lines=text.splitlines())
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        return Document(None, source, [_syntax_finding(error, text, lang)])
    except RecursionError:
        return Document(None, source, [_finding("YAML_SYNTAX", M_TOO_DEEP, lang, None, limit=MAX_DEPTH)])
    if node is None:
        return Document(None, source, [_finding("SCHEMA", M_EMPTY, lang, Location(1, 1))])
    builder = _Builder(source, lang)
    try:
        data = builder.build(node, ())
    except _Abort as abort:
        return Document(None, source, builder.findings + [abort.finding])
    if not isinstance(data, dict):
        what = "list" if isinstance(data, list) else "text" if isinstance(data, str) else "value"
        return Document(
            None, source, builder.findings + [_finding("SCHEMA", M_NOT_MAPPING, lang, _mark_location(node), what=_WHAT[what].get(lang))]
        )
    return Document(data, source, builder.findings)


M_UNREADABLE = Msg("fichier illisible : {reason}.", "unreadable file: {reason}.")
M_TOO_BIG = Msg(
    "fichier trop volumineux : {size} octets (limite {limit} octets ; une convention en fait quelques milliers). Option --max-size pour relever la limite.",
    "file too large: {size} bytes (limit {limit} bytes; an agreement takes a few thousand). Use --max-size to raise the limit.",
)
M_NUL = Msg(
    "le fichier contient un octet nul (ligne {line}) : ce n'est pas un fichier texte YAML.",
    "the file contains a NUL byte (line {line}): it is not a YAML text file.",
)
M_ENCODING = Msg(
    "le fichier n'est pas en UTF-8 (octet 0x{byte:02X} invalide ligne {line}) : enregistrez-le en UTF-8 depuis votre éditeur.",
    "the file is not UTF-8 (invalid byte 0x{byte:02X} on line {line}): save it as UTF-8 from your editor.",
)
M_UTF16 = Msg(
    "le fichier est en UTF-16 : enregistrez-le en UTF-8 depuis votre éditeur.",
    "the file is UTF-16: save it as UTF-8 from your editor.",
)


def decode(raw: bytes, lang: Lang = "fr") -> str | Finding:
    """The text of a file's bytes, or the finding that says why it is not UTF-8 text."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _finding("YAML_SYNTAX", M_UTF16, lang, Location(1, 1))
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = line_column(raw, nul)
        return _finding("YAML_SYNTAX", M_NUL, lang, Location(line, column), line=line)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # decoded apart: "utf-8-sig" would count error offsets without it, the line's columns with it
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = line_column(raw, error.start)
        return _finding("YAML_SYNTAX", M_ENCODING, lang, Location(line, column), byte=raw[error.start], line=line)


def load_bytes(raw: bytes, lang: Lang = "fr", max_bytes: int = MAX_BYTES) -> Document:
    if len(raw) > max_bytes:
        finding = _finding("YAML_SYNTAX", M_TOO_BIG, lang, None, size=len(raw), limit=max_bytes)
        return Document(None, SourceMap(lines=[]), [finding])
    text = decode(raw, lang)
    if isinstance(text, Finding):
        return Document(None, SourceMap(lines=[]), [text])
    return load_text(text, lang)


def read_limited(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """A file's bytes, reading at most max_bytes + 1 so an enormous file costs nothing."""
    with open(path, "rb") as handle:
        return handle.read(max_bytes + 1)


def load_path(path: str | os.PathLike[str], lang: Lang = "fr", max_bytes: int = MAX_BYTES) -> Document:
    """Load one agreement file; OSError is left to the caller (it is a usage problem)."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        finding = _finding("YAML_SYNTAX", M_TOO_BIG, lang, None, size=size, limit=max_bytes)
        return Document(None, SourceMap(lines=[]), [finding])
    return load_bytes(read_limited(path, max_bytes), lang, max_bytes)

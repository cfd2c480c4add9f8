"""OOXML that python-docx does not expose: borders, shading, cell margins, fixed table widths."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm

from .theme import RULE_COLOR, SHADE


def child(parent, tag: str, before: Sequence[str] = ()):
    """The child element `tag` of `parent`, created (in schema order) when missing."""
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        for successor in before:
            found = parent.find(qn(successor))
            if found is not None:
                found.addprevious(element)
                break
        else:
            parent.append(element)
    return element


_TCPR_AFTER_BORDERS = ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
_TCPR_AFTER_SHADING = _TCPR_AFTER_BORDERS[1:]


def _border_set(parent, sides: Iterable[str], size: int, color: str, style: str = "single") -> None:
    for side in sides:
        element = child(parent, f"w:{side}")
        element.set(qn("w:val"), style if size else "nil")
        if size:
            element.set(qn("w:sz"), str(size))
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), color)


SIDES = ("top", "left", "bottom", "right")


def cell_borders(cell, size: int = 6, color: str = RULE_COLOR, sides: Iterable[str] = SIDES) -> None:
    """Borders of one cell, in eighths of a point (0 removes them)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = child(tc_pr, "w:tcBorders", _TCPR_AFTER_BORDERS)
    _border_set(borders, sides, size, color)


def cell_shading(cell, fill: str = SHADE) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = child(tc_pr, "w:shd", _TCPR_AFTER_SHADING)
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)


def cell_margins(cell, left: float | None = None, right: float | None = None) -> None:
    """Inner margins of one cell, in cm (the others keep the table's)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    margins = child(tc_pr, "w:tcMar", ("w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"))
    for side, value in (("left", left), ("right", right)):
        if value is not None:
            element = child(margins, f"w:{side}")
            element.set(qn("w:w"), str(int(Cm(value).twips)))
            element.set(qn("w:type"), "dxa")


def table_borders(table, size: int = 0, color: str = RULE_COLOR, inside: bool = True) -> None:
    """Borders of a whole table; size 0 for none."""
    tbl_pr = table._tbl.tblPr
    borders = child(tbl_pr, "w:tblBorders", ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"))
    sides = [*SIDES, "insideH", "insideV"] if inside else list(SIDES)
    _border_set(borders, sides, size, color)
    if not inside:
        _border_set(borders, ("insideH", "insideV"), 0, color)


def table_cell_margins(table, top: float = 0.05, bottom: float = 0.05, left: float = 0.15, right: float = 0.15) -> None:
    """Default inner margins of the table's cells, in cm."""
    tbl_pr = table._tbl.tblPr
    margins = child(tbl_pr, "w:tblCellMar", ("w:tblLook",))
    for side, value in (("top", top), ("left", left), ("bottom", bottom), ("right", right)):
        element = child(margins, f"w:{side}")
        element.set(qn("w:w"), str(int(Cm(value).twips)))
        element.set(qn("w:type"), "dxa")


def make_table(container, rows: int, widths: Sequence[float], borders: int = 0):
    """A table of fixed column widths (cm), full text width unless the widths say otherwise."""
    table = container.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    width = child(tbl_pr, "w:tblW", ("w:jc", "w:shd", "w:tblBorders", "w:tblLayout", "w:tblCellMar", "w:tblLook"))
    width.set(qn("w:w"), str(int(sum(Cm(w).twips for w in widths))))
    width.set(qn("w:type"), "dxa")
    layout = child(tbl_pr, "w:tblLayout", ("w:tblCellMar", "w:tblLook"))
    layout.set(qn("w:type"), "fixed")
    for grid_col, value in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        grid_col.set(qn("w:w"), str(int(Cm(value).twips)))
    for row in table.rows:
        for cell, value in zip(row.cells, widths):
            cell.width = Cm(value)
    table_borders(table, borders)
    table_cell_margins(table)
    return table


def row_height(row, height_cm: float, exact: bool = False) -> None:
    row.height = Cm(height_cm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST


def keep_row_together(row) -> None:
    """The row is never split across two pages."""
    tr_pr = row._tr.get_or_add_trPr()
    child(tr_pr, "w:cantSplit", ("w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden"))


def repeat_as_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    child(tr_pr, "w:tblHeader", ("w:tblCellSpacing", "w:jc", "w:hidden"))


def paragraph_border(paragraph, sides: Iterable[str] = ("bottom",), size: int = 6, color: str = RULE_COLOR, space: int = 2) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = child(
        p_pr,
        "w:pBdr",
        ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:contextualSpacing", "w:jc", "w:outlineLvl", "w:rPr"),
    )
    for side in sides:
        element = child(borders, f"w:{side}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), str(space))
        element.set(qn("w:color"), color)


def first_paragraph(cell):
    """The empty paragraph a new cell holds, to be written into."""
    return cell.paragraphs[0]

"""Page geometry, fonts and colours shared by every template the project builds."""

from __future__ import annotations

import datetime as dt

from docx.shared import Cm, Pt, RGBColor

FONT = "Arial"  # LibreOffice shows it with the metric-compatible Liberation Sans
BODY_SIZE = Pt(10)
SMALL_SIZE = Pt(8)
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)  # A4
MARGIN_CM = 1.8
MARGIN = Cm(MARGIN_CM)
TEXT_WIDTH_CM = 21 - 2 * MARGIN_CM  # 17.4 cm: the tables' widths add up to it
TEXT_WIDTH = Cm(TEXT_WIDTH_CM)
GREY = RGBColor(0x59, 0x59, 0x59)
RULE_COLOR = "808080"  # borders of boxes and tables
SHADE = "EDEDED"  # header cells, labels
FIXED_DATE = dt.datetime(2026, 1, 1, 0, 0, 0)
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

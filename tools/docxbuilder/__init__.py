"""Word templates from model texts, with python-docx only.

A document is its text file (tools/templates/<name>.md, read by `source`) and a layout
module (`pfmp`, `immersion`) that places the pieces of that text with the primitives of
`blocks` (paragraphs, headings, fields, checkboxes, docxtpl tags), `forms` (the schedule
table, signature blocks), `document` (page, styles, footer, deterministic save) and `ooxml`.

Jinja tags (docxtpl syntax, see docs/TEMPLATES.md) are written each in a run of its own,
and every `{%p … %}` / `{%tr … %}` tag stands alone in its paragraph / table row, so that
the templates render as they are and stay editable in Word or LibreOffice.
"""

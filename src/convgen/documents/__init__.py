"""The documents: what a template sees, the Jinja sandbox, the DOCX package, rendering, PDF."""

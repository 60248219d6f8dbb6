"""Exports of a sequence for use outside the browser: the teacher guide (print page, PDF, Word) and the
student handout (PDF). ``guide`` builds one outline; ``pdf`` and ``word`` lay it out."""

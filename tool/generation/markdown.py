"""The sequence as Markdown in the seed's format: render, and parse back.

Contract:

- ``render_markdown(seq)`` writes the seed's headings and labels exactly (see
  ``tool.generation.labels``); our own task fields follow the seed's five only
  when present, and ``### Cautions`` appears only when there are cautions.
- ``parse_markdown(render_markdown(seq)) == seq`` for any sequence whose texts
  have no leading/trailing whitespace, with two inferences: a task with no
  sources and a diagnostic with no primary-barrier source get whatever the
  prose names (see ``sources`` below).
- Sources convention: "Why this builds efficacy" starts with the main source's
  label, any others in ``(+ ...)``, then `` — `` and the why, e.g.
  ``Mastery experience (+ verbal persuasion) — ...``. Without that prefix (a
  document a teacher wrote) the sources are inferred from keywords in the prose.
  The primary barrier gets the same prefix only when its prose alone would not
  name the stored source.
- Parsing is tolerant of layout (blank lines, ``*``/``-``/numbered bullets,
  any heading level or a bold line as heading, ``Task 1:``/``Task 1 —``, CRLF,
  a preamble or code fence around the document) and strict about structure:
  no title, an unknown section or label, text where nothing is expected, a
  repeated section or field, or tasks out of number order raise ``ParseError``
  with the line number. A missing section or field is NOT an error: it parses
  to an empty value, which the checker reports under ``format``.
"""
from __future__ import annotations

from tool.generation import labels as L
from tool.generation.markdown_parser import ParseError, parse_markdown
from tool.generation.model import Phrase, Sequence, Source, Task
from tool.generation.textmatch import infer_sources

__all__ = ["ParseError", "parse_markdown", "render_markdown"]


# --- rendering -------------------------------------------------------------------------------


def _indent_continuation(text: str) -> str:
    """Keep a multi-line value inside its bullet: continuation lines indented by two spaces."""
    return "\n".join(line if i == 0 or not line else "  " + line for i, line in enumerate(text.split("\n")))


def _sources_prefix(sources: list[Source]) -> str:
    if not sources:
        return ""
    main = L.SOURCE_LABELS[sources[0]]
    more = ", ".join(L.SOURCE_LABELS[s].lower() for s in sources[1:])
    return f"{main} (+ {more}) — " if more else f"{main} — "


def _render_task(index: int, task: Task) -> list[str]:
    values = task.model_dump()
    values["why_it_builds_efficacy"] = _sources_prefix(task.sources) + task.why_it_builds_efficacy
    out = [f"**Task {index + 1}: {task.name}**"]
    for key, label in L.TASK.items():
        value = values[key]
        if key in L.TASK_OWN and value is None:
            continue
        out.append(f"- **{label}:** {_indent_continuation(value or '')}".rstrip())
    return out


def _render_phrase(phrase: Phrase) -> str:
    text = f'"{phrase.text}"' + (f" — {phrase.why}" if phrase.why else "")
    return "- " + _indent_continuation(text)


def render_markdown(seq: Sequence) -> str:
    """The sequence as Markdown in the seed's format, ending with one newline."""
    d = seq.diagnostic
    barrier = d.primary_barrier
    if d.primary_barrier_source is not None and infer_sources(barrier)[:1] != [d.primary_barrier_source]:
        barrier = _sources_prefix([d.primary_barrier_source]) + barrier
    lines = [f"## {L.TITLE}: {seq.title_skill}", ""]
    for key, label in L.HEADER.items():
        lines += [f"**{label}:** {getattr(seq, key)}", ""]
    lines += [f"### {L.DIAGNOSTIC_SECTION}", ""]
    diag_values = {"primary_barrier": barrier, "starting_point": d.starting_point,
                   "sequence_strategy": d.sequence_strategy}
    for key, label in L.DIAGNOSTIC.items():
        lines += [f"**{label}:** {diag_values[key]}", ""]
    lines += [f"### {L.TASKS_SECTION}", ""]
    for i, task in enumerate(seq.tasks):
        lines += [*_render_task(i, task), ""]
    lines += [f"### {L.COACHING_SECTION}", "", f"**{L.PHRASES_USE}:**"]
    lines += [_render_phrase(p) for p in seq.phrases_to_use]
    lines += ["", f"**{L.PHRASES_AVOID}:**"]
    lines += [_render_phrase(p) for p in seq.phrases_to_avoid]
    lines += ["", f"### {L.PLAN_SECTION}", "", seq.long_term_plan, ""]
    if seq.cautions:
        lines += [f"### {L.CAUTIONS_SECTION}", ""]
        lines += ["- " + _indent_continuation(c) for c in seq.cautions]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"



"""Reading the seed-format Markdown back into a ``Sequence`` (see ``tool.generation.markdown``).

One pass over the lines with a small state machine: which section we are in,
and which field or list item plain text continues. Structure problems raise
``ParseError`` with the 1-based line; missing content parses to empty values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tool.generation import labels as L
from tool.generation.model import Diagnostic, Phrase, Sequence, Source, Task
from tool.generation.textmatch import infer_sources


class ParseError(ValueError):
    """The document cannot be read as a sequence; ``line`` is 1-based (None if unknown)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"Line {line}: {message}" if line is not None else message)
        self.message = message
        self.line = line


# --- parsing: line classification ------------------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+(.*)$")
_LABEL = re.compile(r"^\*\*([^*]+?)\*\*\s*(.*)$")
_TASK = re.compile(r"^task\s+(\d+)\s*(?:[:.)]|[—–-])\s*(.*?)\s*$", re.IGNORECASE)
_TITLE = re.compile(r"^self[- ]efficacy sequence\s*(?::|[—–-])\s*(.+)$", re.IGNORECASE)
_QUOTED = re.compile(r'^["“\'‘](.+?)["”\'’](?:\s*(?:[—–]|--?)\s*(.+))?$', re.DOTALL)
_UNQUOTED_WHY = re.compile(r"^(.+?)\s+[—–]\s+(.+)$", re.DOTALL)


def _key(text: str) -> str:
    """Label/heading key: lower-case letters only, so 'Long term plan' == 'Long-Term Plan:'."""
    return re.sub(r"[^a-z]", "", text.translate(str.maketrans("’", "'")).lower())


_SECTIONS = {
    _key(L.DIAGNOSTIC_SECTION): "diagnostic",
    _key(L.TASKS_SECTION): "tasks",
    _key(L.COACHING_SECTION): "coaching",
    "attributioncoaching": "coaching",
    _key(L.PLAN_SECTION): "plan",
    _key(L.CAUTIONS_SECTION): "cautions",
}
_HEADER_KEYS = {_key(v): k for k, v in L.HEADER.items()} | {"studentlevel": "student_level"}
_DIAG_KEYS = {_key(v): k for k, v in L.DIAGNOSTIC.items()}
_TASK_KEYS = {_key(v): k for k, v in L.TASK.items()} | {
    "teacherscript": "teacher_script",
    "increment": "increment",
    "instructionsforthestudent": "student_instructions",
}
_PHRASE_KEYS = {_key(L.PHRASES_USE): "phrases_to_use", _key(L.PHRASES_AVOID): "phrases_to_avoid"}
_SOURCE_NAMES = {_key(label): source for source, label in L.SOURCE_LABELS.items()} | {
    "masteryexperiences": Source.MASTERY,
    "vicariousexperiences": Source.VICARIOUS,
    "physiologicalstate": Source.PHYSIOLOGICAL,
    "physiologicalstates": Source.PHYSIOLOGICAL,
    "emotionalstate": Source.PHYSIOLOGICAL,
    "physiologicalandemotionalstates": Source.PHYSIOLOGICAL,
}


@dataclass
class _Item:
    """A field or list item being collected: its first line and its raw lines."""

    line: int
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        paragraphs: list[list[str]] = [[]]
        for raw in self.lines:
            if raw.strip():
                paragraphs[-1].append(raw.strip())
            elif paragraphs[-1]:
                paragraphs.append([])
        return "\n\n".join("\n".join(p) for p in paragraphs if p)


@dataclass
class _TaskDraft:
    line: int
    name: str
    fields: dict[str, _Item] = field(default_factory=dict)


@dataclass
class _Draft:
    title: str = ""
    header: dict[str, _Item] = field(default_factory=dict)
    diagnostic: dict[str, _Item] = field(default_factory=dict)
    tasks: list[_TaskDraft] = field(default_factory=list)
    phrases: dict[str, list[_Item]] = field(default_factory=dict)
    plan: _Item | None = None
    cautions: list[_Item] = field(default_factory=list)


def _expected(section: str | None) -> str:
    return {
        None: "a field such as '**Target skill:** …' or a section heading such as '### Efficacy Diagnostic'",
        "diagnostic": "'**Primary barrier:**', '**Starting point:**' or '**Sequence strategy:**'",
        "tasks": "a task heading such as '**Task 1: <name>**' or a field such as "
        "'- **What the student does:** …'",
        "coaching": "'**Phrases to USE:**' or '**Phrases to AVOID:**' followed by bullet points",
        "cautions": "a bullet point",
    }.get(section, "text")


class _Parser:
    def __init__(self, text: str) -> None:
        self.lines = text.lstrip("\ufeff").splitlines()
        self.draft = _Draft()
        self.section: str | None = None  # None = the header block after the title
        self.seen_sections: set[str] = set()
        self.current: _Item | None = None  # the field or item that plain text continues

    def parse(self) -> Sequence:
        start = self._find_title()
        for number, raw in enumerate(self.lines[start:], start=start + 1):
            self._line(number, raw)
        return self._build()

    def _find_title(self) -> int:
        for i, raw in enumerate(self.lines):
            text = self._plain(raw)
            title = _TITLE.match(text)
            if title:
                self.draft.title = title.group(1).strip()
                return i + 1
            if (text and _key(text) in _SECTIONS) or _LABEL.match(raw.strip()):
                raise ParseError(
                    f"expected the title line '## {L.TITLE}: <skill>' before anything else", i + 1
                )
        first = next((i + 1 for i, raw in enumerate(self.lines) if raw.strip()), 1)
        raise ParseError(f"expected a title line '## {L.TITLE}: <skill>'; none was found", first)

    @staticmethod
    def _plain(raw: str) -> str:
        """A heading or whole-line bold text without its markup; '' for anything else."""
        heading = _HEADING.match(raw)
        if heading:
            return heading.group(1).replace("**", "").strip()
        stripped = raw.strip()
        if stripped.startswith("**") and stripped.endswith("**") and stripped.count("**") == 2:
            return stripped[2:-2].strip()
        return ""

    def _line(self, number: int, raw: str) -> None:
        if _FENCE.match(raw):
            return
        if not raw.strip():
            if self.current is not None:
                self.current.lines.append("")
            return
        plain = self._plain(raw)
        if plain and self._structure(number, plain, is_heading=bool(_HEADING.match(raw))):
            return
        if self.section == "plan":
            self._continue(number, raw)
            return
        bullet = _BULLET.match(raw)
        # "**Task 2:** Name" or a bare "Task 2: Name" line also starts a task.
        if self.section == "tasks" and not bullet and _TASK.match(raw.replace("**", "").strip()):
            self._structure(number, raw.replace("**", "").strip(), is_heading=False)
            return
        body = bullet.group(1) if bullet else raw.strip()
        label = _LABEL.match(body)
        if label and (label.group(1).rstrip().endswith(":") or label.group(2).startswith(":")):
            self._field(number, label.group(1), label.group(2).lstrip(":").strip())
        elif bullet and self.section in ("coaching", "cautions") and not raw[:1].isspace():
            self._list_item(number, body)
        elif self.section == "coaching" and self.draft.phrases and raw[:1] in "\"“":
            self._list_item(number, body)  # phrases listed one per line without bullets
        else:
            self._continue(number, raw)

    def _structure(self, number: int, plain: str, *, is_heading: bool) -> bool:
        """Handle a heading-like line; False if it is just bold text to treat as content."""
        key = _key(plain)
        if key in _SECTIONS:
            name = _SECTIONS[key]
            if name in self.seen_sections:
                raise ParseError(f"the section '{plain}' appears a second time", number)
            self.seen_sections.add(name)
            self.section, self.current = name, None
            if name == "plan":
                self.draft.plan = self.current = _Item(number)
            return True
        task = _TASK.match(plain)
        if task and self.section == "tasks":
            expected = len(self.draft.tasks) + 1
            if int(task.group(1)) != expected:
                raise ParseError(f"expected Task {expected} here, found Task {task.group(1)}", number)
            name = task.group(2).strip().rstrip("*").strip()
            self.draft.tasks.append(_TaskDraft(number, name))
            self.current = None
            return True
        if _TITLE.match(plain):
            raise ParseError("a second title line; one document holds one sequence", number)
        if is_heading and key in self._labels_here():
            # "#### Phrases to USE" or "#### Primary barrier": a label written as a heading.
            self._field(number, plain.rstrip(":") + ":", "")
            return True
        if is_heading:
            raise ParseError(f"unknown section '{plain}'; expected one of: {', '.join(_SECTION_TITLES)}", number)
        return False

    def _labels_here(self) -> dict[str, str]:
        return {None: _HEADER_KEYS, "diagnostic": _DIAG_KEYS, "tasks": _TASK_KEYS,
                "coaching": _PHRASE_KEYS}.get(self.section, {})

    def _field(self, number: int, raw_label: str, value: str) -> None:
        key = _key(raw_label)
        item = _Item(number, [value] if value else [])
        target: dict[str, _Item]
        if self.section is None and key in _HEADER_KEYS:
            target, name = self.draft.header, _HEADER_KEYS[key]
        elif self.section == "diagnostic" and key in _DIAG_KEYS:
            target, name = self.draft.diagnostic, _DIAG_KEYS[key]
        elif self.section == "tasks" and key in _TASK_KEYS:
            if not self.draft.tasks:
                raise ParseError("expected a task heading such as '**Task 1: <name>**' before its fields", number)
            target, name = self.draft.tasks[-1].fields, _TASK_KEYS[key]
        elif self.section == "coaching" and key in _PHRASE_KEYS:
            name = _PHRASE_KEYS[key]
            if name in self.draft.phrases:
                raise ParseError(f"'{raw_label.strip(': ')}' appears a second time", number)
            self.draft.phrases[name] = [item] if value else []
            self.current = item if value else None
            return
        elif self.section == "cautions":
            self._list_item(number, f"**{raw_label}** {value}".strip())
            return
        else:
            raise ParseError(
                f"unknown field '{raw_label.strip(': ')}' here; expected {_expected(self.section)}", number
            )
        if name in target:
            raise ParseError(f"the field '{raw_label.strip(': ')}' appears a second time", number)
        target[name] = self.current = item

    def _list_item(self, number: int, body: str) -> None:
        item = _Item(number, [body])
        if self.section == "cautions":
            self.draft.cautions.append(item)
        else:
            if not self.draft.phrases:
                raise ParseError(f"expected {_expected('coaching')} before the first phrase", number)
            list(self.draft.phrases.values())[-1].append(item)
        self.current = item

    def _continue(self, number: int, raw: str) -> None:
        if self.current is None:
            raise ParseError(f"unexpected text; expected {_expected(self.section)}", number)
        self.current.lines.append(raw)

    # --- building the model --------------------------------------------------------------------

    def _build(self) -> Sequence:
        d = self.draft

        def text(fields: dict[str, _Item], key: str) -> str:
            return fields[key].text() if key in fields else ""

        barrier_source, barrier = _split_sources(text(d.diagnostic, "primary_barrier"))
        diagnostic = Diagnostic(
            primary_barrier=barrier,
            primary_barrier_source=barrier_source[0] if barrier_source else _infer_one(barrier),
            starting_point=text(d.diagnostic, "starting_point"),
            sequence_strategy=text(d.diagnostic, "sequence_strategy"),
        )
        return Sequence(
            title_skill=d.title,
            target_skill=text(d.header, "target_skill"),
            current_avoidance=text(d.header, "current_avoidance"),
            student_level=text(d.header, "student_level"),
            diagnostic=diagnostic,
            tasks=[_build_task(t) for t in d.tasks],
            phrases_to_use=[_build_phrase(i) for i in d.phrases.get("phrases_to_use", [])],
            phrases_to_avoid=[_build_phrase(i) for i in d.phrases.get("phrases_to_avoid", [])],
            long_term_plan=d.plan.text() if d.plan else "",
            cautions=[c.text() for c in d.cautions if c.text()],
        )


_SECTION_TITLES = (L.DIAGNOSTIC_SECTION, L.TASKS_SECTION, L.COACHING_SECTION, L.PLAN_SECTION, L.CAUTIONS_SECTION)
_PREFIX = re.compile(r"^(?P<main>[A-Za-z ]{6,40}?)\s*(?:\(\+\s*(?P<more>[^)]*)\))?\s+[—–]\s+(?P<rest>.+)$", re.DOTALL)


def _split_sources(text: str) -> tuple[list[Source], str]:
    """Our "Main source (+ others) — why" prefix, if present and every name is a known source."""
    found = _PREFIX.match(text)
    if not found:
        return [], text
    names = [found.group("main"), *(found.group("more") or "").split(",")]
    sources = [_SOURCE_NAMES.get(_key(n)) for n in names if n.strip()]
    if not sources or any(s is None for s in sources):
        return [], text
    return [s for s in sources if s is not None], found.group("rest").strip()


def _infer_one(text: str) -> Source | None:
    inferred = infer_sources(text)
    return inferred[0] if inferred else None


def _build_task(draft: _TaskDraft) -> Task:
    def text(key: str) -> str:
        return draft.fields[key].text() if key in draft.fields else ""

    sources, why = _split_sources(text("why_it_builds_efficacy"))
    own = {k: (draft.fields[k].text() if k in draft.fields else None) for k in L.TASK_OWN}
    return Task(
        name=draft.name,
        student_does=text("student_does"),
        sources=sources or infer_sources(why),
        why_it_builds_efficacy=why,
        success_looks_like=text("success_looks_like"),
        teacher_script=text("teacher_script"),
        if_struggles=text("if_struggles"),
        **own,
    )


def _build_phrase(item: _Item) -> Phrase:
    body = item.text()
    quoted = _QUOTED.match(body)
    if quoted:
        return Phrase(text=quoted.group(1).strip(), why=(quoted.group(2) or "").strip() or None)
    unquoted = _UNQUOTED_WHY.match(body)
    if unquoted:
        return Phrase(text=unquoted.group(1).strip(), why=unquoted.group(2).strip())
    return Phrase(text=body)


def parse_markdown(text: str) -> Sequence:
    """Read a sequence in the seed's Markdown format; raises ``ParseError`` (contract in ``markdown``)."""
    return _Parser(text).parse()


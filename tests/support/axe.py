"""axe-core in a Playwright page: zero serious or critical violations, results kept per page.

``check(page, "teacher home")`` runs axe (WCAG 2.0/2.1/2.2 A and AA rules plus best practices) on the page
as it is, records a one-line summary for the end-of-run table (tests/accessibility/conftest.py prints it),
writes the full result to test-artifacts/axe/<name>.json and fails on any serious or critical violation,
naming the rule, the help text and the first offending elements.

axe.min.js comes from the npm registry through scripts/setup-test-deps.sh (pinned version and sha512).
Other browser tests may call ``check`` too.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
AXE_VERSION = "4.14.1"
AXE_JS = Path(os.environ.get("SS_AXE_JS", REPO / ".venv" / "share" / f"axe-core-{AXE_VERSION}" / "axe.min.js"))
ARTIFACTS = REPO / "test-artifacts" / "axe"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class PageResult:
    name: str
    url_path: str
    passes: int
    violations: dict[str, int]  # impact -> count of rules
    rules: list[str]

    def line(self) -> str:
        counts = ", ".join(f"{impact} {n}" for impact, n in sorted(self.violations.items())) or "none"
        return f"{self.name:<38} {self.passes:>3} rules pass; violations: {counts}" + (
            f" ({', '.join(self.rules)})" if self.rules else ""
        )


RESULTS: list[PageResult] = []


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def check(page: Page, name: str) -> PageResult:
    """Run axe on ``page`` now; fail on serious/critical violations; return the summary."""
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: run scripts/setup-test-deps.sh (it installs axe-core from npm)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the browser's devtools channel, so the page's CSP (script-src 'self') allows it.
        page.evaluate(AXE_JS.read_text() + "\n;undefined")
    raw: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations', 'passes']})",
        TAGS,
    )
    violations = raw["violations"]
    impacts: dict[str, int] = {}
    for violation in violations:
        impacts[violation["impact"] or "unknown"] = impacts.get(violation["impact"] or "unknown", 0) + 1
    path = re.sub(r"[?#].*$", "", page.url.split("//", 1)[-1].split("/", 1)[-1])
    result = PageResult(name, "/" + path, len(raw["passes"]), impacts, [v["id"] for v in violations])
    RESULTS.append(result)
    print(f"axe: {result.line()}")  # the per-page result belongs in the test output
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{_slug(name)}.json").write_text(
        json.dumps({"page": name, "path": result.url_path, "violations": violations}, indent=2)
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    if blocking:
        details = "\n".join(
            f"- {v['impact']} {v['id']}: {v['help']} ({v['helpUrl']})\n"
            + "\n".join(f"    {n['target']}: {n['failureSummary'].splitlines()[-1].strip()}" for n in v["nodes"][:3])
            for v in blocking
        )
        raise AssertionError(f"axe found serious/critical problems on {name}:\n{details}")
    return result


def summary_lines() -> list[str]:
    return [r.line() for r in RESULTS]

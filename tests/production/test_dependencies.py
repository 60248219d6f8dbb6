"""The dependency list a production team audits says exactly what the code imports, each pinned, and the
lock files agree with it."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = ("tool", "worker", "config", "devlms", "prompts")
# Declared but never imported, each for a reason the imports cannot show.
USED_WITHOUT_IMPORT = {
    "gunicorn": "runs the web process (docker/entrypoint.sh web)",
    "psycopg": "SQLAlchemy's PostgreSQL driver, chosen by the URL",
    "hiredis": "redis-py picks its C reply parser up by itself",
}
# Imported only by development-only modules (the devlms pytest plugin): declared in the dev extra.
DEV_ONLY_IMPORTS = {"pytest"}


def _project() -> dict[str, object]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def _runtime_requirements() -> list[Requirement]:
    return [Requirement(line) for line in _project()["dependencies"]]  # type: ignore[union-attr]


def _imported_top_level_modules() -> set[str]:
    local = set(RUNTIME_PACKAGES)
    found: set[str] = set()
    for package in RUNTIME_PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name not in local}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_dependency_is_pinned_exactly() -> None:
    dev = [Requirement(line) for line in _project()["optional-dependencies"]["dev"]]  # type: ignore[index]
    loose = [str(r) for r in [*_runtime_requirements(), *dev] if not str(r.specifier).startswith("==")]
    assert loose == [], f"pin these with ==: {loose}"


def test_every_imported_package_is_declared_and_every_declared_one_is_used() -> None:
    distributions = packages_distributions()
    declared = {_canonical(r.name) for r in _runtime_requirements()}
    imported = _imported_top_level_modules() - DEV_ONLY_IMPORTS
    undeclared = {}
    used: set[str] = set()
    for module in imported:
        names = {_canonical(d) for d in distributions.get(module, [module])}
        if names & declared:
            used |= names & declared
        else:
            undeclared[module] = sorted(names)
    assert undeclared == {}, f"imported but not declared in pyproject.toml: {undeclared}"
    unused = declared - used - set(USED_WITHOUT_IMPORT)
    assert unused == set(), f"declared but never imported (remove, or say why in USED_WITHOUT_IMPORT): {unused}"


def test_the_lock_files_pin_every_declared_dependency_with_hashes() -> None:
    for lock_name, extra in (("requirements.lock", []), ("requirements-dev.lock", ["dev"])):
        text = (REPO / lock_name).read_text()
        locked = {
            _canonical(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.M)
        }
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
        assert all("--hash=sha256:" in block for block in blocks if re.match(r"[A-Za-z0-9]", block))
        wanted = list(_runtime_requirements())
        for group in extra:
            wanted += [Requirement(line) for line in _project()["optional-dependencies"][group]]  # type: ignore[index]
        stale = {
            r.name: (str(r.specifier), locked.get(_canonical(r.name)))
            for r in wanted
            if locked.get(_canonical(r.name)) not in {str(s.version) for s in r.specifier}
        }
        assert stale == {}, f"{lock_name} disagrees with pyproject.toml (run scripts/lock.sh): {stale}"

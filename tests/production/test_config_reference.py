"""docs/configuration.md is generated from the settings class and must match it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from config.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_the_committed_configuration_reference_is_current() -> None:
    checked = subprocess.run(
        [sys.executable, "scripts/config_reference.py", "--check"], cwd=REPO, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_setting_is_in_the_reference_with_its_default() -> None:
    text = (REPO / "docs" / "configuration.md").read_text()
    for name, field in Settings.model_fields.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `SS_{name.upper()}` |")), None)
        assert row is not None, name
        if isinstance(field.default, int | float | str) and field.default not in ("", None) and "url" not in name:
            assert str(field.default if not isinstance(field.default, bool) else int(field.default)) in row, name

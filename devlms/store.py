"""Both platforms behind one lock, optionally persisted to a JSON file after every change."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from devlms.model import Flavour
from devlms.platform import Platform


class DevLmsStore:
    """Owns the Canvas and Moodle platforms; ``state_path`` keeps registrations across restarts."""

    def __init__(self, base_url: str, state_path: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.state_path = state_path
        self.canvas = Platform("canvas", base_url, self.lock, self.save)
        self.moodle = Platform("moodle", base_url, self.lock, self.save)
        if state_path is not None and state_path.exists():
            data = json.loads(state_path.read_text())
            self.canvas.load_json(data["canvas"])
            self.moodle.load_json(data["moodle"])
        else:
            # Keep the fresh keys at once: a restart before any change must not rotate them.
            self.save()

    def platform(self, flavour: Flavour) -> Platform:
        return self.canvas if flavour == "canvas" else self.moodle

    @property
    def platforms(self) -> tuple[Platform, Platform]:
        return (self.canvas, self.moodle)

    def save(self) -> None:
        """Write the state atomically (temp file + rename) so a crash never leaves half a file."""
        if self.state_path is None:
            return
        with self.lock:
            text = json.dumps({"canvas": self.canvas.to_json(), "moodle": self.moodle.to_json()}, indent=1)
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_path.with_suffix(".tmp")
            tmp.write_text(text)
            os.chmod(tmp, 0o600)  # holds private keys
            tmp.replace(self.state_path)

"""Run the development LMS on its own: ``python -m devlms --port 5001 --state instance/devlms.json``."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from devlms.testing import DevLmsServer


def main() -> None:
    parser = argparse.ArgumentParser(description="Development LMS (Canvas and Moodle flavours) on 127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--state", type=Path, default=None, help="JSON file that keeps registrations across restarts")
    args = parser.parse_args()
    server = DevLmsServer(state_path=args.state, port=args.port).start()
    print(f"devlms at {server.url}/  (Canvas issuer {server.canvas.issuer}, Moodle issuer {server.moodle.issuer})")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()

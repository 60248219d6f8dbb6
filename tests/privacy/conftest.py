"""Privacy tests reuse the teacher area's platform and launch fixtures."""

from tests.teacher.conftest import make_launch, platform

__all__ = ["make_launch", "platform"]

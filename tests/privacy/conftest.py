"""Privacy tests reuse the teacher area's platform and launch fixtures and the fake OpenAI server."""

from support.fake_openai import fake_openai

from tests.teacher.conftest import make_launch, platform
from tests.teacher.stack import stack_factory

__all__ = ["fake_openai", "make_launch", "platform", "stack_factory"]

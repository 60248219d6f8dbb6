from tests.lti.conftest import platform, registered, tool_server  # noqa: F401  (the loopback platform fixtures)

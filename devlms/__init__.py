"""A development LMS: two real LTI 1.3 platforms (Canvas-like and Moodle-like) in one Flask app.

It signs and verifies real RS256 JWTs and speaks real HTTP, so the tool can be
exercised end to end on loopback. It is for development, tests and the demo only;
``config.settings`` refuses to enable it in production.
"""

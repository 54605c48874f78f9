"""Fixtures for every test suite live in common.testing.fixtures."""

from hypothesis import settings

pytest_plugins = ["common.testing.fixtures"]

# Property tests check behaviour, not speed: Hypothesis' per-example time limit (200 ms) turns a
# busy shared machine into failures (speed is measured in bench/, never in tests).
settings.register_profile("housing", deadline=None)
settings.load_profile("housing")

"""Fixtures for every test suite live in common.testing.fixtures."""

pytest_plugins = ["common.testing.fixtures"]

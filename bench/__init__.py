"""Benchmarks of the event backbone, each measured against a bare-Kafka baseline in the same run.

``python -m bench --help``; results and method in ``docs/benchmarks.md``.
"""

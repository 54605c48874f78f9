"""Benchmark calculator: Key figures, comparable departments and critical values computed from other services' events."""

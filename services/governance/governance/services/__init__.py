"""Use cases: take a command and a unit of work, return an id or value."""

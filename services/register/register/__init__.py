"""Rent register (huslejeregister): Every social dwelling and lease reported by the housing organisations, with history: rent as of a date, vacancy flags, allocation type."""

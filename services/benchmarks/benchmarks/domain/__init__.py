"""Rules: aggregates, value objects, commands, domain events. No framework imports."""

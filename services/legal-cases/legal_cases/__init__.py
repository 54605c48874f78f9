"""Rent tribunal cases (huslejenævn): Cases between private landlords and tenants before the rent tribunals: filing, replies, decisions, appeals."""

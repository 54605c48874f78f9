"""Allocation (anvisning): Municipal allocation rights, vacancy notices and rent subsidies for particularly cheap dwellings."""

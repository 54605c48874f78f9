"""Governance packages (styringsdialog): Yearly documentation packages from housing organisations to their municipalities."""

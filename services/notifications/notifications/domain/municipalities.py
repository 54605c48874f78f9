"""The official names of Denmark's municipalities for the messages' greetings; the code list
itself is ``common.municipalities``."""

from __future__ import annotations

from typing import Final

from common.municipalities import MUNICIPALITIES

# Official names that are not "<name> Kommune".
_OFFICIAL: Final[dict[str, str]] = {
    "101": "Københavns Kommune",
    "400": "Bornholms Regionskommune",
}


def municipality_name(code: str) -> str:
    """``"147"`` → ``"Frederiksberg Kommune"``; an unknown code → ``"kommune 999"``."""
    if code in _OFFICIAL:
        return _OFFICIAL[code]
    name = MUNICIPALITIES.get(code)
    return f"{name} Kommune" if name else f"kommune {code}"

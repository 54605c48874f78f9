"""Turn an event and an addressee into a message: subject, plain text and HTML, in Danish.

Templates are package files, ``notifications/templates/<name>.subject.txt``, ``<name>.txt``
and ``<name>.html`` (autoescaped). They see the event's fields (``event``), the addressee's
extra context, filters ``dato``, ``tidspunkt`` and ``beloeb`` for Danish dates, times and
amounts, and the functions ``antal`` (a count with its noun), ``kommune`` (a municipality's
official name) and ``organisation`` (an organisation's name from the register, else its id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from common.events.contracts import Contract
from notifications.domain.danish import danish_amount, danish_count, danish_date, danish_datetime
from notifications.domain.municipalities import municipality_name
from notifications.domain.organisations import organisation_namer
from notifications.domain.rules import Addressee


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,  # a misspelt field fails the test, not a citizen's e-mail
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # package files: no file system check of each template per message
    )
    env.filters["dato"] = danish_date
    env.filters["tidspunkt"] = danish_datetime
    env.filters["beloeb"] = danish_amount
    env.globals["antal"] = danish_count
    env.globals["kommune"] = municipality_name
    return env


def render(
    addressee: Addressee,
    event: Contract,
    *,
    event_type: str,
    organisation_names: Mapping[str, str] | None = None,
) -> RenderedMessage:
    """The message; ``organisation_names`` (id → name) names organisations, whose ids are shown
    where a name is unknown."""
    env = environment()
    context: dict[str, Any] = {
        "event": event,
        "event_type": event_type,
        "recipient": addressee.recipient,
        "organisation": organisation_namer(organisation_names or {}),
        **addressee.context,
    }
    name = addressee.template
    subject = env.get_template(f"{name}.subject.txt").render(context)
    return RenderedMessage(
        subject=" ".join(subject.split()),  # one line, whatever the template's layout
        text=env.get_template(f"{name}.txt").render(context),
        html=env.get_template(f"{name}.html").render(context),
    )

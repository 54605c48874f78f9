"""The documents the platform prints (governance packages, grant cases, tribunal decisions,
allocation agreements): a service's Jinja2 template (``<package>/templates/``) rendered to HTML,
and HTML → PDF with WeasyPrint.

Jinja2 and WeasyPrint are imported on first use — loading Pango takes a moment and most
processes never print — so a service that prints declares ``jinja2`` and ``weasyprint`` among
its own dependencies.
Rendering is CPU-bound: routes call :func:`render_pdf_async`, which runs it in a worker thread
so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2


@cache
def _templates(package: str) -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def render_html(package: str, template: str, /, **context: Any) -> str:
    """``<package>/templates/<template>`` rendered (HTML autoescaped, an undefined name an
    error)."""
    return _templates(package).get_template(template).render(**context)


def render_pdf(html: str) -> bytes:
    """The PDF of one self-contained HTML document (inline CSS, no remote resources)."""
    import weasyprint

    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


async def render_pdf_async(html: str) -> bytes:
    return await asyncio.to_thread(render_pdf, html)

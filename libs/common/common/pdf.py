"""HTML → PDF for every document the platform prints (governance packages, grant cases, tribunal
decisions, allocation agreements), with WeasyPrint.

WeasyPrint is imported on first use — loading Pango takes a moment and most processes never
print — so a service that renders PDFs declares ``weasyprint`` among its own dependencies.
Rendering is CPU-bound: routes call :func:`render_pdf_async`, which runs it in a worker thread
so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio


def render_pdf(html: str) -> bytes:
    """The PDF of one self-contained HTML document (inline CSS, no remote resources)."""
    import weasyprint

    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


async def render_pdf_async(html: str) -> bytes:
    return await asyncio.to_thread(render_pdf, html)

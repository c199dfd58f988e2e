"""Template helpers for PDFs, which WeasyPrint renders with no access to files or the network (send.pdf)."""

from __future__ import annotations

import base64
from typing import Any

from django import template

register = template.Library()


@register.filter
def data_uri(stored: Any) -> str:
    """A stored image inline as a data: URI, so the PDF renderer never opens a path or a URL to embed it."""
    if stored is None or not str(getattr(stored, "content_type", "")).startswith("image/"):
        return ""
    with stored.file.open("rb") as handle:
        encoded = base64.b64encode(handle.read()).decode("ascii")
    return f"data:{stored.content_type};base64,{encoded}"

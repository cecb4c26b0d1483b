"""The portal's page templates (Jinja2, autoescaped) and its one stylesheet.

The templates and ``style.css`` are files in ``site_templates/`` (package data), as the console's
are in ``screening/web/templates/``. Plain HTML and CSS: no script, no web font, no image, no
address outside the folder, so the pages open from a USB stick as they do on the county's web
server. Accessible markup (one h1 per page, headings in order, tables with captions and header
scopes, a skip link, visible focus) and a print stylesheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

FOLDER = Path(__file__).with_name("site_templates")
STYLE = (FOLDER / "style.css").read_text(encoding="utf-8")

_ENV = Environment(
    loader=FileSystemLoader(FOLDER),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=StrictUndefined,
)


def render(template: str, **context: Any) -> bytes:
    """One page as UTF-8 bytes (every value escaped by the template engine)."""
    return _ENV.get_template(template).render(**context).encode("utf-8")

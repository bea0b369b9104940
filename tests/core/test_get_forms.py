"""A search or filter form sends to its own page by name: a form without an action goes to the address in the
browser, and after a refused POST that is the POST's address (a search there was a 405, issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
GET_FORM = re.compile(r"<form\b[^>]*\bmethod=\"get\"[^>]*>", re.IGNORECASE)


def test_every_get_form_names_its_page():
    forms = [(path.relative_to(TEMPLATES), tag) for path in TEMPLATES.rglob("*.html")
             for tag in GET_FORM.findall(path.read_text(encoding="utf-8"))]
    assert len(forms) >= 7
    missing = [f"{path}: {tag}" for path, tag in forms if " action=" not in tag]
    assert missing == []

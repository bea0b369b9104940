"""Plain Dutch (B1) on the main pages: no sentence of ours is longer than about 20 words (docs/glossary.md).

The pages a resident uses most, in the fuzz test's world, as a neighbour: home, the feed, the post form, a post,
my help, the profile and the pot. Only our own texts count: what residents typed (titles, descriptions, names)
is left out, like scripts and the values of inputs.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from buurthulp.core.cli import DEMO_PASSWORD
from buurthulp.extensions import db
from buurthulp.posts.models import Post
from tests.core.test_dutch_pages import VisibleText, typed_texts
from tests.core.test_fuzz import ROLES, build_world

MAX_WORDS = 20
# Sentences allowed to be longer, each with its reason (keep this list short).
EXCEPTIONS: dict[str, str] = {}
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


def sentences(html: str, typed: list[str]) -> list[str]:
    """Our sentences on a page: each text of the page (a heading, a label, a paragraph), split at . ! ? …"""
    parser = VisibleText()
    parser.feed(html)
    found = []
    for part in parser.parts:
        text = " ".join(part.split())
        for t in typed:
            text = text.replace(" ".join(t.split()), " … ")
        found += [s for s in SENTENCE_END.split(text) if s.strip()]
    return found


def words(sentence: str) -> int:
    return len([w for w in sentence.split() if re.search(r"[^\W\d_]", w)])


def test_the_main_pages_speak_in_short_sentences(client):
    build_world()
    client.login(ROLES["neighbour"], DEMO_PASSWORD)
    typed = typed_texts()
    post = db.session.scalar(sa.select(Post).order_by(Post.id))
    pages = ["/", "/posts", "/posts/new", f"/posts/{post.id}", "/my/posts", "/profile", "/pot/"]
    too_long = {}
    for path in pages:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        for sentence in sentences(response.get_data(as_text=True), typed):
            if words(sentence) > MAX_WORDS and sentence not in EXCEPTIONS:
                too_long.setdefault(path, []).append(f"({words(sentence)}) {sentence}")
    assert not too_long, f"Sentences longer than {MAX_WORDS} words:\n" + "\n".join(
        f"{path}:\n  " + "\n  ".join(s) for path, s in too_long.items())


def test_counting_words_and_sentences():
    html = "<p>Dit is kort. Dit ook! <b>Kop</b></p><script>var a = 'heel lang';</script><textarea>x y</textarea>"
    assert sentences(html, []) == ["Dit is kort.", "Dit ook!", "Kop"]
    assert words("Je hebt 3 nieuwe berichten, € 4,00.") == 4

"""Every page each role reaches, and every form's error state, is valid HTML with sound ids.

One crawl (tests/html/crawl.py) feeds two checks: no id appears twice on a page and every in-page link and
aria-describedby points at an element of the page (an error summary's links reach their fields); and the
Nu Html Checker (vnu, the ``vnu-jar`` npm package on the machine's Java) finds no error in any of them.
Outside CI the vnu check skips when Java or node_modules/vnu-jar is missing (``npm ci`` installs it); in CI
it fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.core.test_fuzz import build_world
from tests.html.crawl import ROLES, crawl_role, id_problems

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def config_overrides():
    # many pages and empty forms sent back by a few people must not hit the log-in or join limits
    return {"RATELIMIT_ENABLED": False}


def vnu_errors(folder: Path) -> list[dict]:
    """The checker's errors over the HTML files in ``folder``."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        message = "the Nu Html Checker needs Java and node_modules/vnu-jar (apt-get install default-jre-headless; npm ci)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    files = sorted(str(p) for p in folder.glob("*.html"))
    result = subprocess.run([java, "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
                            capture_output=True, text=True, timeout=600)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


def test_rendered_pages_have_sound_ids_and_are_valid_html(app, client, tmp_path):
    build_world()
    pages = [page for role in ROLES for page in crawl_role(client, role)]
    assert len(pages) > 100, f"only {len(pages)} pages crawled"
    assert any(p.method == "POST" for p in pages), "no form's error state was seen"

    problems = [f"{p.role} {p.method} {p.url}: {problem}" for p in pages for problem in id_problems(p)]

    folder = tmp_path / "pages"
    folder.mkdir()
    for page in pages:
        (folder / page.name).write_text(page.html, encoding="utf-8")
    errors = vnu_errors(folder)
    lines = [f"{Path(e.get('url', '')).name}:{e.get('lastLine', '?')}: {e['message']}" for e in errors]
    assert not problems and not errors, (f"in {len(pages)} pages, ids:\n" + "\n".join(problems)
                                         + f"\nvnu found {len(errors)} errors:\n" + "\n".join(lines))

"""The Dutch catalogue is complete: every message in the source has a Dutch text that is not fuzzy.

The messages are extracted the way ``make translations`` extracts them (same babel.cfg, same keywords), into
a temporary file, so a new ``_()`` without its Dutch text fails here and not in front of a resident.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "buurthulp" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def extract_command(output: Path) -> list[str]:
    """The Makefile's `pybabel extract` line, run by this Python, writing to ``output``."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = next(ln.strip() for ln in makefile.splitlines() if "pybabel extract" in ln)
    args = shlex.split(line.split("pybabel extract", 1)[1])
    args[args.index("-o") + 1] = str(output)
    return [sys.executable, "-m", "babel.messages.frontend", "extract", *args]


def test_the_extract_command_is_the_makefiles():
    command = extract_command(Path("out.pot"))
    assert "-F" in command and "babel.cfg" in command and "_l" in command
    assert command[-1] == "."


def test_every_message_has_a_dutch_text_that_is_not_fuzzy(tmp_path):
    pot_file = tmp_path / "messages.pot"
    subprocess.run(extract_command(pot_file), cwd=ROOT, check=True, capture_output=True)
    with pot_file.open("rb") as f:
        source = read_po(f)
    with CATALOGUE.open("rb") as f:
        dutch = read_po(f, locale="nl")
    problems = []
    for message in source:
        if not message.id:
            continue
        entry = dutch.get(message.id, message.context)
        texts = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            (entry.string,) if entry is not None else ())
        where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
        key = message.id if isinstance(message.id, str) else message.id[0]
        if entry is None:
            problems.append(f"missing: {key!r} ({where})")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {key!r} ({where})")
        elif not all(t.strip() for t in texts):
            problems.append(f"empty: {key!r} ({where})")
    assert not problems, "Run `make translations` and write the Dutch texts:\n" + "\n".join(problems)


def test_dutch_texts_keep_the_placeholders_of_the_source():
    with CATALOGUE.open("rb") as f:
        dutch = read_po(f, locale="nl")
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    wrong = []
    for message in dutch:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(placeholder.findall(i) for i in ids))
        for text in texts:
            if text and set(placeholder.findall(text)) - wanted:
                wrong.append(f"{ids[0]!r} -> {text!r}")
    assert not wrong, "A Dutch text names a placeholder the source does not have:\n" + "\n".join(wrong)


def test_babel_reads_every_template_and_module():
    """pybabel skips folders that start with "_" or "." (templates/_macros once went untranslated), and reads
    only the patterns of babel.cfg: every template and module must be in a folder and pattern it reads."""
    config = (ROOT / "babel.cfg").read_text(encoding="utf-8")
    patterns = re.findall(r"^\[\w+:\s*(\S+)\]", config, flags=re.M)
    assert {"buurthulp/**.py", "templates/**.html", "templates/**.txt"} <= set(patterns)
    skipped = [str(p.relative_to(ROOT)) for top in ("templates", "buurthulp") for p in (ROOT / top).rglob("*")
               if p.is_dir() and p.name != "__pycache__" and p.name[:1] in "_."]
    assert not skipped, f"pybabel does not look inside these folders: {skipped}"
    kinds = {p.suffix for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert kinds <= {".html", ".txt"}, f"templates of a kind babel.cfg does not read: {kinds - {'.html', '.txt'}}"

"""Screenshots for the README: home, feed, post form and profile at 320 px and 1280 px, in Dutch.

Starts the app on the demo data on 127.0.0.1 (a throw-away SQLite file), logs in as a demo neighbour and
writes PNG files into docs/screenshots/ with system Chromium. Run it with `make screenshots`.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from buurthulp import create_app  # noqa: E402
from buurthulp.core.cli import DEMO_PASSWORD, load_demo  # noqa: E402
from buurthulp.extensions import db  # noqa: E402
from config import TestConfig  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
NEIGHBOUR = "fatima@example.org"
PAGES = [("home", "/"), ("feed", "/posts"), ("post-form", "/posts/new?kind=ask"), ("profile", "/profile")]
WIDTHS = [320, 1280]
MAX_HEIGHT = 1600  # the top of a page says enough and keeps the files small


def serve(database: str):
    """The app with the demo data, served from a thread on a free loopback port; returns (server, base URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = type("ScreenshotConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": database, "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MAIL_OUTBOX_DIR": str(Path(database.removeprefix("sqlite:///")).parent / "outbox"),
    })
    app = create_app(config)
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def save_small(png: bytes, path: Path) -> None:
    """Write the PNG with a 256-colour palette (a third of the size, the same to the eye) when Pillow is there."""
    try:
        from PIL import Image
    except ImportError:
        path.write_bytes(png)
        return
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server, base = serve(f"sqlite:///{tmp}/screenshots.sqlite")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
                for width in WIDTHS:
                    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 800})
                    page = context.new_page()
                    page.goto(base + "/login")
                    page.locator("#email").fill(NEIGHBOUR)
                    page.locator("#password").fill(DEMO_PASSWORD)
                    page.locator("main button[type=submit]").click()
                    page.wait_for_load_state()
                    for name, path in PAGES:
                        page.goto(base + path)
                        height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
                        png = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
                        target = OUT / f"{name}-{width}.png"
                        save_small(png, target)
                        print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} kB")
                    context.close()
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()

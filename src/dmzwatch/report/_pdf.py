"""Print an HTML file to PDF with headless Chromium (Debian's ``chromium`` package).

The browser runs with a throw-away profile, no network services and no header or footer of
its own (the page's CSS sets its running footer). Nothing is fetched: the reports are
self-contained.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ExternalToolError

__all__ = ["CHROMIUM_CANDIDATES", "find_chromium", "pdf_page_count", "print_pdf"]

log = logging.getLogger(__name__)

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
"""Where the browser is looked for, in order (``DMZWATCH_CHROMIUM`` overrides)."""

_TIMEOUT_S = 120


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium executable: ``explicit``, ``$DMZWATCH_CHROMIUM``, or the first found of
    :data:`CHROMIUM_CANDIDATES`; :class:`ExternalToolError` when there is none."""
    for candidate in (explicit, os.environ.get("DMZWATCH_CHROMIUM"), *CHROMIUM_CANDIDATES):
        if not candidate:
            continue
        found = shutil.which(candidate)
        if found:
            return found
    raise ExternalToolError(
        "chromium",
        "no Chromium browser found to print the PDF; install it with `make setup` "
        "(Debian package chromium) or pass --no-pdf",
    )


def print_pdf(html: Path, pdf: Path, *, chromium: str | None = None) -> Path:
    """Print ``html`` to ``pdf`` (A4, as the page's ``@page`` rule says); returns ``pdf``."""
    exe = find_chromium(chromium)
    pdf = pdf.resolve()
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="dmzwatch-chromium-") as profile:
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-extensions",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--mute-audio",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            html.resolve().as_uri(),
        ]
        log.debug("printing PDF: %s", " ".join(cmd))
        try:
            done = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=_TIMEOUT_S,
                check=False,
                env={**os.environ, "HOME": profile},
            )
        except subprocess.TimeoutExpired as exc:
            raise ExternalToolError(
                "chromium", f"printing the PDF took over {_TIMEOUT_S} s"
            ) from exc
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise ExternalToolError(
            "chromium", f"printing the PDF failed (exit {done.returncode}): {tail}"
        )
    return pdf


def pdf_page_count(pdf: Path) -> int:
    """The number of pages of a PDF (read from its page tree; no library needed).

    Counts ``/Type /Page`` objects, which is exact for the uncompressed object streams
    Chromium writes for page objects.
    """
    data = pdf.read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))

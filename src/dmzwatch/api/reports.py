"""Report files (HTML, PDF, images) in the reports directory, listed and served safely."""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path

from ..errors import NotFound

__all__ = ["MEDIA", "list_reports", "report_path"]

#: File types served from the reports directory, by suffix.
MEDIA = {
    ".html": "text/html",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".csv": "text/csv",
}


def _visible(path: Path, root: Path) -> bool:
    rel = path.relative_to(root)
    return path.suffix.lower() in MEDIA and not any(p.startswith(".") for p in rel.parts)


def list_reports(root: Path) -> list[dict[str, object]]:
    """Report files under ``root`` (newest first): name (relative path), size, time, type."""
    if not root.is_dir():
        return []
    base = root.resolve()
    out = []
    for path in base.rglob("*"):
        if not path.is_file() or not _visible(path, base):
            continue
        stat = path.stat()
        name = path.relative_to(base).as_posix()
        out.append(
            {
                "name": name,
                "size": stat.st_size,
                "modified": dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(microsecond=0),
                "media_type": MEDIA[path.suffix.lower()],
                "url": f"/api/reports/{name}",
            }
        )
    out.sort(key=lambda r: (r["modified"], r["name"]), reverse=True)
    return out


def report_path(root: Path, name: str) -> tuple[Path, str]:
    """The file ``name`` under ``root`` and its media type; NotFound for anything else
    (paths leaving the directory, hidden files, other file types)."""
    base = root.resolve()
    try:
        path = (base / name).resolve()
    except (OSError, ValueError):
        raise NotFound(f"no report {name!r}") from None
    if not path.is_relative_to(base) or not path.is_file() or not _visible(path, base):
        raise NotFound(f"no report {name!r}")
    media = MEDIA.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or ""
    return path, media

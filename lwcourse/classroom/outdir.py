"""Output folders of the classroom commands: created fresh, never clobbering someone's files."""

from __future__ import annotations

import shutil
from pathlib import Path

MARKER = ".lwcourse-generated"


class OutDirError(ValueError):
    """The output folder cannot be used (it holds files this project did not write)."""


def prepare_out_dir(out_dir: str | Path, what: str) -> Path:
    """Return an empty ``out_dir``: missing or empty folders are used, a folder that an earlier
    run wrote (it holds the marker file) is emptied, anything else is refused."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutDirError(f"--out {str(out)!r} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise OutDirError(f"--out {str(out)!r} is not empty and was not written by lwcourse; "
                              "choose a new or empty folder")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(f"{what}, written by lwcourse; rewritten on each run\n")
    return out

"""Build hook: the wheel ships the top-level templates/, static/ and translations/.

The design card keeps those folders at the top of the checkout, beside `portal/`. The
wheel carries a copy of them inside the `portal` package (`portal/templates`, ...), where
`portal.app.shared_folder` finds them once installed, and the catalogs are compiled here:
the .mo files are built, never committed. Everything else is in pyproject.toml.
An editable install (`make run`) keeps reading the checkout's own folders.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHARED = ("templates", "static", "translations")


def compile_catalogs(folder: Path) -> list[Path]:
    """Compile every <lang>/LC_MESSAGES/messages.po under `folder` next to itself."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo)
    if not written:
        raise RuntimeError(f"no catalogs to compile in {folder}")
    return written


class BuildPy(build_py):
    """build_py, plus the shared folders copied into the package and the catalogs compiled."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "portal"
        for name in SHARED:
            target = package / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(
                HERE / name,
                target,
                ignore=shutil.ignore_patterns("*.mo", "__pycache__", ".*"),
            )
        compile_catalogs(package / "translations")
        # The record of processing, served at /privacy/record (portal/privacy/page.py).
        shutil.copyfile(HERE / "PRIVACY.md", package / "data" / "PRIVACY.md")


setup(cmdclass={"build_py": BuildPy})

"""The Python examples of the README and of docs/*.md as one small project, so that the tests can
run them and mypy can check them: they cannot rot.

Every ```python block of those files is taken. A block whose first line is ``# some/path.py``
becomes that file (each package level gets an ``__init__.py``; a path may be written once in all
the docs); any other block becomes ``snippet_<doc>_<n>.py``, a script run on its own. A
``conftest.py`` configures Django the way a project's settings (or pytest-django) would.

    python tests/python/readme_examples.py mypy    # type-check the examples
    python tests/python/readme_examples.py DIR     # write them to DIR
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import tempfile
from typing import Dict, List, Tuple

ROOT = pathlib.Path(__file__).resolve().parents[2]

CONFTEST = """\
import django
from django.conf import settings

settings.configure(
    ALLOWED_HOSTS=["testserver"],
    PAYSERA_CLIENT_ID="",
    PAYSERA_MAC_KEY="",
    PAYSERA_BASE_URL="https://wallet.paysera.com",
    PAYSERA_CASHIER_STORE="memory",
)
django.setup()
"""

MYPY_INI = """\
[mypy]
python_version = 3.10
strict = True
# Django ships no types; without django-stubs its decorators, responses and BaseCommand are Any.
disallow_untyped_decorators = False
disallow_subclassing_any = False
warn_return_any = False
explicit_package_bases = True

[mypy-django.*]
ignore_missing_imports = True
"""


def documents() -> List[pathlib.Path]:
    """The README and every page of docs/, in a stable order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(doc: pathlib.Path) -> List[str]:
    return re.findall(r"^```python\n(.*?)^```", doc.read_text(), flags=re.S | re.M)


def examples() -> List[Tuple[pathlib.Path, str, str]]:
    """``(document, file name, code)`` for every Python block of the documents."""
    found: List[Tuple[pathlib.Path, str, str]] = []
    seen: Dict[str, pathlib.Path] = {}
    for doc in documents():
        for number, block in enumerate(python_blocks(doc), 1):
            named = re.match(r"# ([\w/]+\.py)\b", block)
            name = named.group(1) if named else f"snippet_{doc.stem.lower()}_{number}.py"
            if name in seen:
                raise SystemExit(f"{name} is written both in {seen[name].name} and in {doc.name}")
            seen[name] = doc
            found.append((doc, name, block))
    return found


def extract(dest: pathlib.Path) -> List[pathlib.Path]:
    """Writes the examples under ``dest``; returns the Python files written."""
    files: List[pathlib.Path] = []
    for _doc, name, block in examples():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for package in path.relative_to(dest).parents:
            if package.parts and package.parts[0] != "tests":  # every package level
                (dest / package / "__init__.py").touch()
        path.write_text(block)
        files.append(path)
    (dest / "conftest.py").write_text(CONFTEST)
    (dest / "mypy.ini").write_text(MYPY_INI)
    return files


def mypy(dest: pathlib.Path) -> int:
    files = [str(p.relative_to(dest)) for p in extract(dest)]
    command = [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--no-incremental", *files]
    return subprocess.run(command, cwd=dest).returncode


if __name__ == "__main__":
    if sys.argv[1:] == ["mypy"]:
        with tempfile.TemporaryDirectory() as tmp:
            sys.exit(mypy(pathlib.Path(tmp)))
    for written in extract(pathlib.Path(sys.argv[1])):
        print(written)

"""The README's Python examples as a small project, so the tests can run them and mypy can check
them: they cannot rot.

A ```python block whose first line is ``# some/path.py`` becomes that file (each package level
gets an ``__init__.py``); any other block becomes ``snippet_N.py``, a script run on its own. A
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
from typing import List

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


def python_blocks(readme: pathlib.Path = ROOT / "README.md") -> List[str]:
    text = readme.read_text()
    section = text[text.index("<!-- python:start -->") : text.index("<!-- python:end -->")]
    return re.findall(r"^```python\n(.*?)^```", section, flags=re.S | re.M)


def extract(dest: pathlib.Path) -> List[pathlib.Path]:
    """Writes the examples under ``dest``; returns the Python files written."""
    files: List[pathlib.Path] = []
    for number, block in enumerate(python_blocks(), 1):
        named = re.match(r"# ([\w/]+\.py)\b", block)
        path = dest / (named.group(1) if named else f"snippet_{number}.py")
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

"""The README's Python section runs: its scripts, and its Django-style project's own tests
(which use the `paysera_sandbox` fixture of the installed plugin)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

from readme_examples import extract, python_blocks


def test_the_readme_has_examples() -> None:
    blocks = python_blocks()
    assert len(blocks) >= 6
    assert any(b.startswith("# tests/test_") for b in blocks)


def test_readme_examples_run(tmp_path: pathlib.Path) -> None:
    files = extract(tmp_path)
    for script in [f for f in files if f.name.startswith("snippet_")]:
        result = subprocess.run([sys.executable, script.name], cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, (script.name, result.stderr)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout

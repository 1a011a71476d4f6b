"""The README and docs/ stay true: their Python examples run (scripts, and the Django-style
project's own tests, which use the `paysera_sandbox` fixture of the installed plugin); every page
is handed to rustdoc, which compiles its Rust blocks; every code block says its language; links
between the pages resolve."""

from __future__ import annotations

import importlib.util
import pathlib
import re
import subprocess
import sys
from typing import Dict, List

import pytest
from paysera_scanpay.testing import Sandbox
from readme_examples import ROOT, documents, examples, extract

REPOSITORY = "https://github.com/paysera-scanpay/paysera-scanpay/blob/HEAD/"
# Languages of fenced blocks. rustdoc compiles untagged blocks as Rust, and only these tags
# are taken by the example runners (python: this suite; js/ts: tests/node/readme.test.js;
# rust: rustdoc) or are exempt (shell, configuration, output).
LANGUAGES = {"python", "js", "ts", "rust", "rust,no_run", "sh", "toml", "ini", "text"}


def test_the_docs_have_their_examples() -> None:
    names = {(doc.name, name) for doc, name, _ in examples()}
    assert ("README.md", "snippet_readme_1.py") in names  # the quick start
    for doc, name in [
        ("python.md", "shop/payments.py"),
        ("python.md", "tests/test_checkout.py"),
        ("cashier.md", "shop/management/commands/run_cashier.py"),
        ("cashier.md", "tests/test_cashier_command.py"),
        ("sandbox.md", "tests/test_faults.py"),
    ]:
        assert (doc, name) in names


def test_the_examples_run(tmp_path: pathlib.Path) -> None:
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
    tests = sum(
        len(re.findall(r"^def test_", p.read_text(), flags=re.M)) for p in files if "tests" in p.parts
    )
    assert f"{tests} passed" in result.stdout, result.stdout


def test_a_rotated_callback_key_is_fetched_again_once(tmp_path: pathlib.Path) -> None:
    """`CallbackKeys` (docs/python.md, used by docs/going-live.md) against a real rotation."""
    extract(tmp_path)
    spec = importlib.util.spec_from_file_location("callback_keys", tmp_path / "shop" / "callback_keys.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    old_key = (ROOT / "core" / "tests" / "data" / "test_public_key.pem").read_text()

    with Sandbox() as paysera:
        client = paysera.client()
        tx = client.create_transaction(
            [{"description": "Bar", "price": 450, "currency": "EUR"}], callback_uri="http://127.0.0.1:9/cb"
        )
        paysera.confirm(tx.transaction_key)
        [sent] = paysera.wait_for_callbacks()
        fetched: List[str] = []

        def rotated() -> str:  # the old key first, then the one Paysera signs with now
            fetched.append("GET")
            return old_key if len(fetched) == 1 else paysera.public_key_pem

        keys = module.CallbackKeys(rotated, refetch_after=0)
        assert keys.verify(sent["event"], sent["sign"])  # the old key failed: fetched again once
        assert len(fetched) == 2
        assert keys.verify(sent["event"], sent["sign"])  # cached
        assert not keys.verify(sent["event"] + " ", sent["sign"])  # a forgery stays one
        assert len(fetched) == 3

        fetches: List[str] = []
        patient = module.CallbackKeys(lambda: fetches.append("GET") or paysera.public_key_pem)
        assert patient.verify(sent["event"], sent["sign"])
        assert not patient.verify(sent["event"] + " ", sent["sign"])
        assert fetches == ["GET"]  # the key is fresh: no refetch for a bad signature


def test_every_page_goes_through_rustdoc() -> None:
    """sandbox/src/lib.rs includes each page, so `cargo test --doc` compiles its Rust blocks."""
    lib = (ROOT / "sandbox" / "src" / "lib.rs").read_text()
    included = set(re.findall(r'include_str!\("\.\./\.\./([^"]+\.md)"\)', lib))
    assert {str(doc.relative_to(ROOT)) for doc in documents()} <= included


@pytest.mark.parametrize("doc", documents(), ids=lambda doc: doc.name)
def test_every_code_block_names_its_language(doc: pathlib.Path) -> None:
    fences = re.findall(r"^```(.*)$", doc.read_text(), flags=re.M)
    opening = fences[::2]
    assert len(fences) % 2 == 0, f"{doc.name}: unclosed code block"
    assert set(opening) <= LANGUAGES, f"{doc.name}: {set(opening) - LANGUAGES}"


def _anchors(doc: pathlib.Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"^```.*?^```", "", doc.read_text(), flags=re.S | re.M)
    headings = re.findall(r"^#+ (.+)$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("doc", documents(), ids=lambda doc: doc.name)
def test_links_between_pages_resolve(doc: pathlib.Path) -> None:
    text = re.sub(r"^```.*?^```", "", doc.read_text(), flags=re.S | re.M)
    broken: Dict[str, str] = {}
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(REPOSITORY):
            path = ROOT / target[len(REPOSITORY) :]
        elif target.startswith(("http://", "https://")):
            continue
        else:
            path = doc.parent / target
        file, _, anchor = str(path).partition("#")
        resolved = pathlib.Path(file) if file else doc
        if not resolved.exists():
            broken[target] = "no such file"
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken[target] = "no such heading"
    assert not broken, f"{doc.name}: {broken}"

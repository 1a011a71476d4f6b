"""MacSigner reproduces Paysera's vectors and follows the signing rules."""

from __future__ import annotations

import os
import re
from typing import Any, Dict

import pytest
from paysera_scanpay import InvalidInputError, MacSigner, PayseraError

KEY = "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU"


def test_every_vector(vectors: Dict[str, Any]) -> None:
    signer = MacSigner(vectors["client_id"], vectors["mac_key"])
    assert len(vectors["vectors"]) == 6
    for v in vectors["vectors"]:
        for body in (v["body"], v["body"].encode()):  # str and bytes sign the same bytes
            header = signer.authorization(
                v["method"], v["url"], body, ts=v["ts"], nonce=v["nonce"], ext=v["ext_params"]
            )
            assert header == v["expected_authorization"], v["what"]


def test_body_default_and_fresh_nonce_and_time() -> None:
    signer = MacSigner("wkVd93h2uS", KEY)
    url = "https://wallet.paysera.com/rest/v1/spots?status=waiting"
    first = signer.authorization("GET", url)
    second = signer.authorization("GET", url)
    pattern = r'MAC id="wkVd93h2uS", ts="(\d+)", nonce="([A-Za-z0-9]{32})", mac="[^"]+"'
    m1, m2 = re.fullmatch(pattern, first), re.fullmatch(pattern, second)
    assert m1 and m2, first
    assert m1.group(2) != m2.group(2)
    assert signer.authorization("GET", url, b"", ts=1343811600, nonce="nQnNaSNyubfPErjRO55yaaEYo9YZfKHN") == (
        signer.authorization("GET", url, ts=1343811600, nonce="nQnNaSNyubfPErjRO55yaaEYo9YZfKHN")
    )


def test_ext_mapping_and_pairs_keep_order() -> None:
    signer = MacSigner("wkVd93h2uS", KEY)
    url = "https://wallet.paysera.com/rest/v1/transaction"
    common: Dict[str, Any] = dict(ts=1, nonce="n")
    as_pairs = signer.authorization(
        "POST", url, "{}", ext=[("project_id", "1"), ("location_id", "a b/c")], **common
    )
    as_dict = signer.authorization(
        "POST", url, "{}", ext={"project_id": "1", "location_id": "a b/c"}, **common
    )
    assert as_pairs == as_dict
    assert as_pairs.endswith(
        'ext="body_hash=RBNvo1WzZ4oRRq0W9%2BhknpT7T8If536DEMBg9hyq%2F4o%3D&project_id=1&location_id=a+b%2Fc"'
    )
    reversed_order = signer.authorization(
        "POST", url, "{}", ext=[("location_id", "a b/c"), ("project_id", "1")], **common
    )
    assert reversed_order != as_pairs


def test_bad_input_is_a_value_error_naming_the_problem() -> None:
    signer = MacSigner("wkVd93h2uS", KEY)
    with pytest.raises(InvalidInputError, match="method"):
        signer.authorization("G ET", "https://wallet.paysera.com/")
    with pytest.raises(ValueError, match="scheme"):
        signer.authorization("GET", "ftp://wallet.paysera.com/")
    with pytest.raises(PayseraError, match="body_hash"):
        signer.authorization("POST", "https://x.example/", "{}", ext={"body_hash": "x"})
    with pytest.raises(TypeError, match="body must be bytes or str"):
        signer.authorization("POST", "https://x.example/", 12)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="mac_key is empty"):
        MacSigner("id", "")


def test_repr_hides_the_key() -> None:
    signer = MacSigner("wkVd93h2uS", KEY)
    assert repr(signer) == 'MacSigner(client_id="wkVd93h2uS")'
    assert signer.client_id == "wkVd93h2uS"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(signer)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_never_repeats_its_parents_nonces() -> None:
    # Gunicorn and Celery fork workers after the app is imported: the child's nonces must not
    # follow the parent's (the nonce generator is rekeyed when the process id changes).
    signer = MacSigner("wkVd93h2uS", KEY)
    url = "https://wallet.paysera.com/rest/v1/spots"
    signer.authorization("GET", url)  # the parent's generator is keyed before the fork

    def nonces() -> list[str]:
        headers = [signer.authorization("GET", url) for _ in range(20)]
        return [re.search(r'nonce="([^"]+)"', h).group(1) for h in headers]  # type: ignore[union-attr]

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its nonces and leave without running pytest's teardown
        os.close(read)
        os.write(write, " ".join(nonces()).encode())
        os._exit(0)
    os.close(write)
    parent = nonces()
    with os.fdopen(read, "rb") as pipe:
        child = pipe.read().decode().split()
    os.waitpid(pid, 0)
    assert len(child) == 20
    assert not set(child) & set(parent)

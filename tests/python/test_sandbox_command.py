"""``python -m paysera_scanpay sandbox``, run as a user runs it: a subprocess that prints its
banner, serves signed requests with the credentials it printed, and exits 0 on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
from paysera_scanpay import Client

#: A banner line "  label: value" → {label: [values]} (client id and mac key repeat).
Banner = Dict[str, List[str]]


def start(*args: str) -> Tuple[subprocess.Popen[str], Banner]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "paysera_scanpay", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    banner: Banner = {}
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            break
        label, sep, value = line.strip().partition(": ")
        if sep:
            banner.setdefault(label.strip(), []).append(value.strip())
    else:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"no banner: {''.join(lines)!r} {err!r}")
    return proc, banner


@pytest.fixture
def stop() -> Iterator[List[subprocess.Popen[str]]]:
    """Kills whatever a test started and did not stop itself."""
    started: List[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def interrupt(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=10)


def control(base_url: str, path: str, token: Optional[str] = None) -> Tuple[int, object]:
    request = urllib.request.Request(f"{base_url}{path}", method="GET")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_serves_signed_requests_with_the_printed_credentials(stop: List[subprocess.Popen[str]]) -> None:
    proc, banner = start(
        "--port", "0", "--client-id", "shop-1", "--mac-key", "k1", "--client-id", "shop-2", "--mac-key", "k2"
    )
    stop.append(proc)
    (base_url,) = banner["base URL"]
    assert base_url.startswith("http://127.0.0.1:")
    assert banner["client id"] == ["shop-1", "shop-2"]
    assert banner["mac key"] == ["k1", "k2"]
    assert banner["dashboard"] == [f"{base_url}/_sandbox/"]
    assert "token" not in banner

    for client_id, mac_key in zip(banner["client id"], banner["mac key"]):
        with Client(client_id, mac_key, base_url=base_url) as client:
            assert client.server_time() > 0
    status, index = control(base_url, "/_sandbox/")
    assert status == 200
    assert isinstance(index, dict) and index["token_required"] is False

    assert interrupt(proc) == 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM to a child process is POSIX")
def test_beyond_loopback_it_prints_and_requires_a_token(stop: List[subprocess.Popen[str]]) -> None:
    proc, banner = start("--port", "0", "--host", "0.0.0.0")
    stop.append(proc)
    (base_url,) = banner["base URL"]
    (token,) = banner["token"]
    assert base_url.startswith("http://127.0.0.1:")
    assert banner["dashboard"] == [f"{base_url}/_sandbox/?token={token}"]

    status, body = control(base_url, "/_sandbox/spots")
    assert status == 401
    assert isinstance(body, dict) and body["error"] == "unauthorized" and "token" in body["error_description"]
    assert control(base_url, "/_sandbox/spots", token)[0] == 200
    with Client(banner["client id"][0], banner["mac key"][0], base_url=base_url) as client:
        assert client.server_time() > 0

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--client-id", "a"], "in pairs"),
        (["--port", "notaport"], "invalid int value"),
        (["--port", "70000"], "between 0 and 65535"),
        (["--host", "not-an-address"], "host"),
        (["--token", "has space"], "token"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2_with_a_reason(args: List[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paysera_scanpay", "sandbox", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done
    assert message in done.stderr, done.stderr
    assert done.stdout == ""


def test_help_names_the_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paysera_scanpay", "sandbox", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    for option in ("--port", "--host", "--client-id", "--mac-key", "--token"):
        assert option in done.stdout

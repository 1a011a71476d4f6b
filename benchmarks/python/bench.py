"""Side-by-side benchmarks of the Python package against pure-Python equivalents, measured in the
same run (see BENCHMARKS.md; run with `bash benchmarks/python/run.sh`).

1. `MacSigner.authorization` vs a pure-Python signer (hmac/hashlib/base64/urllib).
2. `Client` round trips against the sandbox vs `requests.Session` + the pure-Python signer.
3. 1,000 concurrent `AsyncClient` requests vs `httpx.AsyncClient` + the pure-Python signer.
4. `import paysera_scanpay` time, and the resident memory a `Client` adds.

`--vs-rust` instead runs only `Client.get_spot`'s round trip against the Rust core client's
(`sandbox/examples/round_trip.rs`, run as a subprocess against this process's sandbox),
interleaved, and prints the ratio (BENCHMARKS.md, "Efficiency against the limit").
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import hashlib
import hmac
import json
import os
import pathlib
import platform
import secrets
import statistics
import subprocess
import sys
import time
import timeit
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote_plus, urlsplit

import httpx
import paysera_scanpay
import requests
from paysera_scanpay import MacSigner
from paysera_scanpay.testing import Sandbox

ROOT = pathlib.Path(__file__).resolve().parents[2]


# --- the pure-Python baseline ----------------------------------------------------------------


def py_authorization(
    client_id: str,
    mac_key: bytes,
    method: str,
    url: str,
    body: bytes = b"",
    ts: Optional[int] = None,
    nonce: Optional[str] = None,
) -> str:
    """Paysera's MAC header, as a careful pure-Python implementation writes it."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    request_uri = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    ts = int(time.time()) if ts is None else ts
    nonce = secrets.token_urlsafe(24) if nonce is None else nonce  # 32 characters, CSPRNG
    ext = ""
    if body:
        ext = "body_hash=" + quote_plus(base64.b64encode(hashlib.sha256(body).digest()).decode())
    normalized = (
        f"{ts}\n{nonce}\n{method.upper()}\n{request_uri}\n{(parts.hostname or '').lower()}\n{port}\n{ext}\n"
    )
    mac = base64.b64encode(hmac.new(mac_key, normalized.encode(), hashlib.sha256).digest()).decode()
    header = f'MAC id="{client_id}", ts="{ts}", nonce="{nonce}", mac="{mac}"'
    return header + f', ext="{ext}"' if ext else header


def check_baseline_is_equivalent() -> None:
    vectors = json.loads((ROOT / "core/tests/data/vectors.json").read_text())
    signer = MacSigner(vectors["client_id"], vectors["mac_key"])
    for v in vectors["vectors"]:
        args = (v["method"], v["url"], v["body"].encode())
        py = py_authorization(vectors["client_id"], vectors["mac_key"].encode(), *args, v["ts"], v["nonce"])
        rust = signer.authorization(*args, ts=v["ts"], nonce=v["nonce"])
        assert py == rust == v["expected_authorization"], (py, rust)


# --- helpers ---------------------------------------------------------------------------------


def per_call(fn: Callable[[], Any], number: int, repeat: int = 5) -> float:
    """Best-of-`repeat` seconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def interleaved(
    runs: int,
    a: Callable[[], float],
    b: Callable[[], float],
    pick: Callable[[List[float]], float] = statistics.median,
) -> Tuple[float, float]:
    """Alternating runs, so drift on a shared machine hits both sides alike; `pick` (median, or
    min for microbenchmarks, where noise only ever adds) summarises each side."""
    xs, ys = [], []
    for _ in range(runs):
        xs.append(a())
        ys.append(b())
    return pick(xs), pick(ys)


# --- 1. signing ------------------------------------------------------------------------------


def bench_signing(results: Dict[str, Any]) -> None:
    cid, key = "wkVd93h2uS", "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU"
    signer, kb = MacSigner(cid, key), key.encode()
    get_url = "https://wallet.paysera.com/rest/v1/spots?status=waiting&location_id=1"
    post_url = "https://wallet.paysera.com/rest/v1/transaction"
    body = json.dumps(
        {
            "payments": [
                {"description": "Table 4", "price": 1299, "currency": "EUR", "parameters": {"orderid": 1}}
            ]
        }
    ).encode()
    cases = {
        "GET, fresh ts + nonce": (
            lambda: signer.authorization("GET", get_url),
            lambda: py_authorization(cid, kb, "GET", get_url),
        ),
        "POST with body, fresh ts + nonce": (
            lambda: signer.authorization("POST", post_url, body),
            lambda: py_authorization(cid, kb, "POST", post_url, body),
        ),
        "POST with body, fixed ts + nonce": (
            lambda: signer.authorization(
                "POST", post_url, body, ts=1343811600, nonce="nQnNaSNyubfPErjRO55yaaEYo9YZfKHN"
            ),
            lambda: py_authorization(
                cid, kb, "POST", post_url, body, 1343811600, "nQnNaSNyubfPErjRO55yaaEYo9YZfKHN"
            ),
        ),
    }
    for name, (rust, py) in cases.items():
        r, p = interleaved(
            3, functools.partial(per_call, rust, 50_000, 3), functools.partial(per_call, py, 50_000, 3)
        )
        results["signing"].append({"case": name, "rust_us": r * 1e6, "python_us": p * 1e6, "ratio": p / r})


# --- 2. blocking round trips -----------------------------------------------------------------


def bench_round_trips(results: Dict[str, Any], sandbox: Sandbox) -> None:
    spot = sandbox.create_spot(1, "bench-sync", title="Bench")
    client = sandbox.client()
    session = requests.Session()
    kb = sandbox.mac_key.encode()
    url = f"{sandbox.base_url}/rest/v1/spot/{spot.id}"

    def with_requests() -> Dict[str, Any]:
        auth = py_authorization(sandbox.client_id, kb, "GET", url)
        response = session.get(url, headers={"Authorization": auth, "Accept": "application/json"}, timeout=30)
        response.raise_for_status()
        data: Dict[str, Any] = response.json()
        return data

    assert client.get_spot(spot.id).to_dict() == with_requests()
    number = 1500
    r, p = interleaved(
        5,
        lambda: per_call(lambda: client.get_spot(spot.id), number, 1),
        lambda: per_call(with_requests, number, 1),
    )
    results["round_trip"] = {"calls": number, "rust_us": r * 1e6, "python_us": p * 1e6, "ratio": p / r}
    client.close()
    session.close()


# --- 3. concurrency --------------------------------------------------------------------------


def bench_concurrency(results: Dict[str, Any], sandbox: Sandbox, n: int = 1000) -> None:
    spot = sandbox.create_spot(1, "bench-async", title="Bench")
    kb = sandbox.mac_key.encode()
    url = f"{sandbox.base_url}/rest/v1/spot/{spot.id}"

    async def ours() -> float:
        async with sandbox.async_client() as client:
            await client.get_spot(spot.id)  # warm: runtime, loop bridge
            start = time.perf_counter()
            spots = await asyncio.gather(*(client.get_spot(spot.id) for _ in range(n)))
            elapsed = time.perf_counter() - start
        assert len(spots) == n and all(s.id == spot.id for s in spots)
        return elapsed

    async def theirs() -> float:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:

            async def one() -> Dict[str, Any]:
                auth = py_authorization(sandbox.client_id, kb, "GET", url)
                response = await client.get(
                    url, headers={"Authorization": auth, "Accept": "application/json"}
                )
                response.raise_for_status()
                data: Dict[str, Any] = response.json()
                return data

            await one()
            start = time.perf_counter()
            spots = await asyncio.gather(*(one() for _ in range(n)))
            elapsed = time.perf_counter() - start
        assert len(spots) == n and all(s["id"] == spot.id for s in spots)
        return elapsed

    r, p = interleaved(5, lambda: asyncio.run(ours()), lambda: asyncio.run(theirs()))
    results["concurrency"] = {"requests": n, "rust_ms": r * 1e3, "python_ms": p * 1e3, "ratio": p / r}


# --- 4. import time and memory ---------------------------------------------------------------

IMPORT_PROBE = """
import time
t = time.perf_counter()
import paysera_scanpay
a = time.perf_counter()
from paysera_scanpay import Client
b = time.perf_counter()
print(a - t, b - t)
"""

MEMORY_PROBE = """
import sys
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) * 1024
from paysera_scanpay import Client
cid, key, url = sys.argv[1:4]
base = rss()
client = Client(cid, key, base_url=url)
built = rss()
client.server_time()
used = rss()
more = [Client(cid, key, base_url=url) for _ in range(100)]
for c in more:
    c.server_time()
hundred = rss()
print(base, built, used, hundred)
"""


def bench_startup(results: Dict[str, Any], sandbox: Sandbox) -> None:
    imports, with_client = [], []
    for _ in range(15):
        out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True)
        a, b = map(float, out.stdout.split())
        imports.append(a)
        with_client.append(b)
    results["import"] = {
        "package_ms": statistics.median(imports) * 1e3,
        "client_ms": statistics.median(with_client) * 1e3,
    }
    args = [sys.executable, "-c", MEMORY_PROBE, sandbox.client_id, sandbox.mac_key, sandbox.base_url]
    base, built, used, hundred = map(
        int, subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()
    )
    results["memory"] = {
        "client_kib": (built - base) / 1024,
        "first_request_kib": (used - built) / 1024,
        "per_extra_client_kib": (hundred - used) / 100 / 1024,
    }


# --- 5. against the Rust core client ---------------------------------------------------------


def rust_round_trip_exe() -> pathlib.Path:
    """The `round_trip` example, release build (run.sh builds it)."""
    exe = os.environ.get("PAYSERA_ROUND_TRIP_EXE")
    if exe:
        return pathlib.Path(exe)
    target = os.environ.get("CARGO_BUILD_TARGET", "")
    return ROOT / "target" / target / "release" / "examples" / "round_trip"


def bench_vs_rust(sandbox: Sandbox, calls: int = 2000, rounds: int = 9) -> Dict[str, Any]:
    """Median round trip of `Client.get_spot` and of the Rust core client's `get_spot`, the same
    request to the same sandbox (this process's), alternating `rounds` times. The ratio is the
    median of the rounds' ratios: each pair ran back to back, so load from other work on the
    shared machine hits both sides of a pair alike."""
    spot = sandbox.create_spot(1, "bench-vs-rust", title="Bench")
    client = sandbox.client()
    exe = rust_round_trip_exe()
    if not exe.exists():
        sys.exit(f"{exe} is missing: cargo build --release -p paysera-sandbox --example round_trip")

    handoff: List[float] = []
    on_thread: List[float] = []

    def rust() -> float:
        argv = [str(exe), sandbox.base_url, sandbox.client_id, sandbox.mac_key, str(spot.id), str(calls)]
        out = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)
        handoff.append(float(out["handoff_p50_us"]))
        on_thread.append(float(out["on_thread_p50_us"]))
        return float(out["p50_us"])

    def python() -> float:
        for _ in range(100):  # as the Rust side: a warm connection
            client.get_spot(spot.id)
        times = []
        for _ in range(calls):
            t = time.perf_counter()
            client.get_spot(spot.id)
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1e6

    rs: List[float] = []
    ps: List[float] = []
    for _ in range(rounds):  # alternating, as `interleaved`, keeping the pairs
        rs.append(rust())
        ps.append(python())
    client.close()
    ratios = sorted(p / r for p, r in zip(ps, rs))
    return {
        "calls": calls,
        "rounds": rounds,
        "rust_us": statistics.median(rs),
        "rust_handoff_us": statistics.median(handoff),
        "rust_on_thread_us": statistics.median(on_thread),
        "handoff_ratio": statistics.median(h / r for h, r in zip(handoff, rs)),
        "on_thread_ratio": statistics.median(o / r for o, r in zip(on_thread, rs)),
        "python_us": statistics.median(ps),
        "ratio": statistics.median(ratios),
        "ratio_min": ratios[0],
        "ratio_max": ratios[-1],
    }


def vs_rust_markdown(rt: Dict[str, Any]) -> str:
    return "\n".join(
        [
            f"| round trip, sequential `get_spot`, p50 (median of {rt['rounds']} interleaved runs of "
            f"{rt['calls']:,}) | Rust core client | Python `Client` | ratio (median of the runs' ratios; "
            "range) | target |",
            "|---|---|---|---|---|",
            f"| same in-process sandbox, same run | {rt['rust_us']:.0f} µs | {rt['python_us']:.0f} µs | "
            f"**{rt['ratio']:.2f}×** ({rt['ratio_min']:.2f}–{rt['ratio_max']:.2f}) | ≤ 1.3× |",
            f"| diagnostic: the Rust call driven from a plain thread on a current-thread runtime with its "
            f"own connection (what `Client` does, no Python) | {rt['rust_on_thread_us']:.0f} µs | | "
            f"{rt['on_thread_ratio']:.2f}× | |",
            f"| diagnostic: the Rust call handed from a plain thread to the runtime, result over a channel "
            f"(what `AsyncClient` and Node do, no Python) | {rt['rust_handoff_us']:.0f} µs | | "
            f"{rt['handoff_ratio']:.2f}× | |",
        ]
    )


# --- report ----------------------------------------------------------------------------------


def markdown(results: Dict[str, Any]) -> str:
    lines = [
        f"Measured {results['date']} on this project's build machine ({results['machine']}), "
        f"Python {results['python']}, release wheel (`maturin build --release`), each pair "
        "interleaved in the same run against the same in-process sandbox.",
        "",
        "| Benchmark | paysera_scanpay | pure Python | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for s in results["signing"]:
        lines.append(
            f"| `MacSigner.authorization`, {s['case']} | {s['rust_us']:.2f} µs | "
            f"{s['python_us']:.2f} µs (hmac/hashlib/base64) | **{s['ratio']:.1f}×** | ≥ 5× |"
        )
    rt = results["round_trip"]
    lines.append(
        f"| `Client.get_spot` round trip (keep-alive, {rt['calls']} calls) | {rt['rust_us']:.0f} µs | "
        f"{rt['python_us']:.0f} µs (`requests.Session` + pure-Python signer) | **{rt['ratio']:.1f}×** | ≥ 3× |"
    )
    cc = results["concurrency"]
    lines.append(
        f"| {cc['requests']:,} concurrent `AsyncClient.get_spot` (`asyncio.gather`) | {cc['rust_ms']:.0f} ms | "
        f"{cc['python_ms']:.0f} ms (`httpx.AsyncClient`, no pool limit) | **{cc['ratio']:.1f}×** | ≥ 3× |"
    )
    im, mem = results["import"], results["memory"]
    lines += [
        "",
        "| Startup and memory | |",
        "|---|---|",
        f"| `import paysera_scanpay` | {im['package_ms']:.1f} ms (target ≤ 30 ms) |",
        f"| `import paysera_scanpay` + `from paysera_scanpay import Client` (loads the native module) | {im['client_ms']:.1f} ms |",
        f"| resident memory of the first `Client` (loads the TLS trust store, once per process) | {mem['client_kib']:.0f} KiB |",
        f"| + its first request (the process-wide runtime and its threads, the client's blocking runtime, one connection) | {mem['first_request_kib']:.0f} KiB |",
        f"| each further `Client`, with its own connection (two pools since 2026-11-30: blocking calls and asyncio; mean of 100) | {mem['per_extra_client_kib']:.0f} KiB |",
    ]
    return "\n".join(lines)


INTRO = """## Python package

```sh
bash benchmarks/python/run.sh --write   # release build in target/python-bench-venv, then bench.py
```
"""


def update_benchmarks_md(table: str) -> None:
    """Replaces the generated table inside BENCHMARKS.md's Python section, keeping the prose
    around it (the section is created when missing)."""
    path = ROOT / "BENCHMARKS.md"
    start, end = "<!-- python-bench:start -->", "<!-- python-bench:end -->"
    results, results_end = "<!-- python-bench:results -->", "<!-- python-bench:results-end -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if start not in text:
        text = text.rstrip("\n") + f"\n\n{start}\n{INTRO}\n{results}\n{results_end}\n{end}\n"
    head, rest = text.split(start, 1)
    section, tail = rest.split(end, 1)
    before, after = section.split(results, 1)
    after = after.split(results_end, 1)[1]
    path.write_text(f"{head}{start}{before}{results}\n{table}\n{results_end}{after}{end}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md's Python section")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    parser.add_argument(
        "--vs-rust", action="store_true", help="only the round trip against the Rust core client's"
    )
    parser.add_argument("--rounds", type=int, default=9, help="--vs-rust: interleaved rounds")
    args = parser.parse_args()
    if args.vs_rust:
        with Sandbox() as sandbox:
            rt = bench_vs_rust(sandbox, rounds=args.rounds)
        if args.json:
            print(json.dumps(rt, indent=2))
        print(f"Python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}\n")
        print(vs_rust_markdown(rt))
        return
    check_baseline_is_equivalent()
    results: Dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}",
        "python": platform.python_version(),
        "version": paysera_scanpay.__version__,
        "signing": [],
    }
    print("signing ...", file=sys.stderr)
    bench_signing(results)
    with Sandbox() as sandbox:
        print("round trips ...", file=sys.stderr)
        bench_round_trips(results, sandbox)
        print("concurrency ...", file=sys.stderr)
        bench_concurrency(results, sandbox)
        print("startup and memory ...", file=sys.stderr)
        bench_startup(results, sandbox)
    if args.json:
        print(json.dumps(results, indent=2))
    section = markdown(results)
    print(section)
    if args.write:
        update_benchmarks_md(section)


if __name__ == "__main__":
    main()

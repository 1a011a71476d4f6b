"""PEP 517 build backend: maturin, after checking for the Rust toolchain a source build needs.

pip uses it only where no prebuilt wheel fits (an sdist install, or ``pip install .`` from a
clone). Without cargo on PATH, maturin would download a temporary Rust toolchain (puccinialin)
in the middle of ``pip install``; a payment library should not fetch and run a compiler
unannounced. This says what is missing, and what else can be done, instead.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from typing import Any, List, Mapping, Optional

import maturin

MINIMUM_RUST = (1, 88)


def _rust_problem() -> Optional[str]:
    cargo = os.environ.get("CARGO") or shutil.which("cargo")
    rustc = os.environ.get("RUSTC") or shutil.which("rustc")
    if not cargo or not rustc:
        return "no Rust toolchain was found on PATH (cargo and rustc)"
    try:
        out = subprocess.run([rustc, "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        return f"`{rustc} --version` failed ({err})"
    found = re.match(r"rustc (\d+)\.(\d+)", out)
    if found and (int(found.group(1)), int(found.group(2))) < MINIMUM_RUST:
        return f"the Rust toolchain found is too old ({out.strip()})"
    return None


def _require_rust() -> None:
    problem = _rust_problem()
    if problem is None:
        return
    need = ".".join(map(str, MINIMUM_RUST))
    sys.stderr.write(
        "\n"
        f"paysera-scanpay: no prebuilt wheel matches this platform ({platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}), so pip is building it from "
        f"source, and that needs Rust >= {need}: {problem}.\n"
        "  - Install Rust (https://rustup.rs) and run pip again; the build takes a few minutes.\n"
        "  - Or use a platform with prebuilt wheels: Linux (manylinux2014 / musllinux) on x86_64 "
        "or aarch64, macOS on x86_64 or arm64, Windows on x64 (CPython >= 3.9).\n"
        "  - See docs/troubleshooting.md in the repository.\n\n"
    )
    raise SystemExit(f"paysera-scanpay needs Rust >= {need} to build from source: {problem}")


def build_wheel(
    wheel_directory: str,
    config_settings: Optional[Mapping[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    _require_rust()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(
    wheel_directory: str,
    config_settings: Optional[Mapping[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    _require_rust()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: Optional[Mapping[str, Any]] = None
) -> str:
    _require_rust()  # maturin reads the metadata through cargo
    return maturin.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: Optional[Mapping[str, Any]] = None
) -> str:
    _require_rust()
    return maturin.prepare_metadata_for_build_editable(metadata_directory, config_settings)


def build_sdist(sdist_directory: str, config_settings: Optional[Mapping[str, Any]] = None) -> str:
    return maturin.build_sdist(sdist_directory, config_settings)


def _without_toolchain_download(requirements: List[str]) -> List[str]:
    return [r for r in requirements if r != "puccinialin"]


def get_requires_for_build_wheel(config_settings: Optional[Mapping[str, Any]] = None) -> List[str]:
    return _without_toolchain_download(maturin.get_requires_for_build_wheel(config_settings))


def get_requires_for_build_editable(config_settings: Optional[Mapping[str, Any]] = None) -> List[str]:
    return _without_toolchain_download(maturin.get_requires_for_build_editable(config_settings))


def get_requires_for_build_sdist(config_settings: Optional[Mapping[str, Any]] = None) -> List[str]:
    return maturin.get_requires_for_build_sdist(config_settings)


__all__: List[str] = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

"""Go programs built from their modules through the Go module proxy, for tests and tools.

A Go of at least GO_MIN_VERSION is the machine's own when it has one; otherwise Debian's Go
(1.19 on Debian 12, too old for today's modules) fetches a newer toolchain, which is itself a Go
module (golang.org/toolchain), once into the project's cache. Modules, the build cache and the
built programs live under the cache directory too (``$HOUSING_CACHE_DIR``).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common.testing.infra import InfraError, ensure_tool, load_config

GO_TOOLCHAIN = "go1.26.0"
GO_MIN_VERSION = (1, 22)


def _log(message: str) -> None:
    print(f"[go] {message}", file=sys.stderr, flush=True)


def _go_version(go: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [go, "env", "GOVERSION"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"go(\d+)\.(\d+)", out.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def _go_env(cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GOPATH": str(cache / "go"),
        "GOMODCACHE": str(cache / "go" / "mod"),
        "GOCACHE": str(cache / "go" / "build"),
        "CGO_ENABLED": "0",
        "GOFLAGS": "-trimpath",
    }


def ensure_go() -> str:
    """A Go of at least GO_MIN_VERSION: the machine's, else Debian's Go fetching the toolchain
    module golang.org/toolchain@…-GO_TOOLCHAIN through the Go module proxy (once, cached)."""
    for candidate in (shutil.which("go"), "/usr/local/go/bin/go"):
        if candidate and Path(candidate).exists():
            version = _go_version(candidate)
            if version is not None and version >= GO_MIN_VERSION:
                return candidate
    cache = load_config().cache_dir
    toolchain = cache / "go-toolchain" / GO_TOOLCHAIN
    go = toolchain / "bin" / "go"
    if go.exists():
        return str(go)
    debian_go = ensure_tool("go", "golang-go")
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    module = f"golang.org/toolchain@v0.0.1-{GO_TOOLCHAIN}.linux-{arch}"
    _log(f"fetching the Go toolchain {module} with {debian_go}…")
    env = {**_go_env(cache), "GOTOOLCHAIN": "local"}
    out = subprocess.run(
        [debian_go, "mod", "download", "-json", module],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if out.returncode != 0:
        raise InfraError(f"go mod download {module} failed: {out.stdout}{out.stderr}")
    source = Path(json.loads(out.stdout)["Dir"])
    staging = toolchain.with_name(toolchain.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    for path in [staging, *staging.rglob("*")]:
        mode = path.stat().st_mode | 0o200
        if path.parent.name == "bin" or path.parent.parent.name == "tool" or path.is_dir():
            mode |= 0o111
        path.chmod(mode)
    staging.rename(toolchain)
    return str(go)


def go_install(package: str, version: str, name: str) -> Path:
    """`go install <package>@<version>` into <cache>/bin/<name>-<version> (once)."""
    cache = load_config().cache_dir
    target = cache / "bin" / f"{name}-{version}"
    if target.exists():
        return target
    go = ensure_go()
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    _log(f"go install {package}@{version}…")
    with tempfile.TemporaryDirectory(dir=target.parent) as gobin:
        result = subprocess.run(
            [go, "install", "-ldflags=-s -w", f"{package}@{version}"],
            env={**_go_env(cache), "GOBIN": gobin},
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if result.returncode != 0:
            raise InfraError(f"go install {package}@{version} failed:\n{result.stderr[-4000:]}")
        (built,) = Path(gobin).iterdir()
        built.rename(target)
    _log(f"built {name} {version} in {time.monotonic() - started:.0f}s")
    return target


def go_module_dir(module: str, version: str) -> Path:
    """The unpacked source of ``module@version`` (``go mod download``), read-only."""
    cache = load_config().cache_dir
    result = subprocess.run(
        [ensure_go(), "mod", "download", "-json", f"{module}@{version}"],
        env=_go_env(cache),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if result.returncode != 0:
        raise InfraError(
            f"go mod download {module}@{version} failed: {result.stdout}{result.stderr}"
        )
    return Path(json.loads(result.stdout)["Dir"])

"""A sweep's cells on a Dask distributed cluster: `vanishing-point sweep --scheduler ADDRESS`.

A teacher starts `dask scheduler` on one machine and `dask worker ADDRESS` on the room's others;
every machine has the same vanishing-point installed (`pip install vanishing-point[cluster]`).
The workers need not share a disk with the machine that runs the sweep: each cell trains in a
temporary folder on its worker, and its files come back as bytes, written here under
DIR/cells/<index>/ exactly as a local process writes them (the resume record last), so a sweep's
files are the same whichever runs them.

A worker lost mid-sweep costs only the cells it was training: the scheduler gives them to
another worker. A cell that raises is tried again (`RETRIES` more times) before the sweep stops.

Dask is an optional dependency: this module imports it only inside its functions, and a missing
Dask is a one-line ConfigError that says how to install it.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import __version__
from engine.config import Config, ConfigError

if TYPE_CHECKING:
    from engine.sweep import CellResult, Job

INSTALL = "pip install vanishing-point[cluster]"
CONNECT_TIMEOUT = 5.0  # seconds to reach the scheduler before giving up
RETRIES = 2  # more tries for a cell that raised (a worker lost mid-cell is rescheduled anyway)
EXAMPLE = "--scheduler tcp://192.168.1.10:8786"


class CellFailed(Exception):
    """A cell that raised on its worker on every try, or whose worker was lost too often."""

    def __init__(self, index: int, cause: BaseException):
        super().__init__(f"{type(cause).__name__}: {' '.join(str(cause).split())}")
        self.index = index


def require_dask() -> None:
    """ConfigError, in one line, where Dask's distributed scheduler is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ConfigError(f"--scheduler needs Dask's distributed scheduler, which is not installed: {INSTALL}") from None


def _engine_version() -> str:  # runs on each worker
    return __version__


def check_address(address: str) -> None:
    """ConfigError unless `address` reads as a scheduler's address (tcp://HOST:PORT, HOST:PORT, or
    another of Dask's transports), checked before a client is made: a client that fails to parse
    its address leaves an object that times out noisily when it is collected."""
    from distributed.comm import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address)
        get_backend(scheme)  # ValueError for a scheme Dask does not know
        if scheme in ("tcp", "tls"):
            host, port = parse_host_port(location)
            if not host or not 0 < int(port) < 65536:
                raise ValueError("expected HOST:PORT")
    except (ValueError, TypeError, ImportError) as exc:
        raise ConfigError(
            f"--scheduler {address!r}: not a scheduler's address ({' '.join(str(exc).split())}): expected the "
            f"address `dask scheduler` prints, for example {EXAMPLE}"
        ) from None


def _discard(client: Any) -> None:
    """Mark a client whose constructor failed as closed: otherwise its __del__ may wait 10 s on
    an event loop that is gone and print a traceback."""
    with contextlib.suppress(Exception):
        if client.status not in ("closed", "newly-created"):
            client.status = "closed"
            client._loop_runner.stop()


def connect(address: str) -> Any:
    """A distributed.Client of the scheduler at `address` whose workers run this version of the
    engine; ConfigError (one line) for a bad or unreachable address or a mismatched worker."""
    require_dask()
    from distributed import Client

    address = address.strip()
    check_address(address)
    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # a failed connection is one line here, not the client's log
    client = Client.__new__(Client)
    try:
        client.__init__(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:  # OSError (refused, timed out), ValueError (a malformed address), ...
        _discard(client)
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ConfigError(
            f"--scheduler {address!r}: cannot reach a Dask scheduler there ({reason}); start one with "
            f"`dask scheduler` and give the address it prints, for example {EXAMPLE}"
        ) from None
    finally:
        quiet.setLevel(level)
    try:
        try:
            versions = client.run(_engine_version, on_error="return")
        except TypeError:  # a Dask without on_error: a failing worker raises instead
            versions = client.run(_engine_version)
    except Exception as exc:
        client.close()
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ConfigError(f"--scheduler {address!r}: cannot ask the workers their version ({reason}); {INSTALL} on every worker") from None
    wrong = {w: v for w, v in versions.items() if v != __version__}
    if wrong:
        client.close()
        worker, version = sorted(wrong.items())[0]
        found = f"vanishing-point {version}" if isinstance(version, str) else f"no vanishing-point ({type(version).__name__})"
        raise ConfigError(
            f"worker {worker} of --scheduler {address!r} has {found}, this sweep needs {__version__}: "
            f"pip install vanishing-point[cluster]=={__version__} on every worker"
        )
    return client


def describe_cluster(client: Any) -> str:
    """'3 workers, 6 threads' (what runs cells at once), or that none has joined yet."""
    threads = client.nthreads()
    if not threads:
        return "no worker yet (the cells wait for `dask worker ADDRESS`)"
    n, t = len(threads), sum(threads.values())
    return f"{n} worker{'s' if n != 1 else ''}, {t} thread{'s' if t != 1 else ''}"


def run_shipped(index: int, config: Config, version: str) -> tuple[CellResult, dict[str, bytes]]:
    """On a worker: train one cell in a temporary folder; its result and its files' bytes."""
    from engine.sweep import run_cell

    if version != __version__:
        raise RuntimeError(f"this worker has vanishing-point {__version__}, the sweep needs {version}")
    with tempfile.TemporaryDirectory(prefix="vanishing-point-cell-") as tmp:
        result = run_cell(index, config, tmp)
        files = {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir()) if p.is_file()}
    return result, files


def write_shipped(out_dir: Path, files: dict[str, bytes]) -> None:
    """A cell's files where a local process would have written them; the resume record last, so
    that a sweep killed while writing leaves the cell to be redone, never half reused."""
    from engine.sweep import MARKER

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if name != MARKER:
            (out_dir / name).write_bytes(data)
    if MARKER in files:
        tmp = out_dir / (MARKER + ".tmp")
        tmp.write_bytes(files[MARKER])
        tmp.replace(out_dir / MARKER)


def iter_cluster(client: Any, jobs: Sequence[Job], out: Path) -> Iterator[CellResult]:
    """Every job on the cluster, yielding results as they finish (not in order), each cell's files
    written first. Closing the generator cancels the cells not yet finished. CellFailed for a
    cell that failed on every try."""
    from distributed import as_completed

    token = uuid.uuid4().hex[:8]
    futures = {
        client.submit(run_shipped, job.index, job.config, __version__, key=f"vanishing-point-cell-{job.index}-{token}",
                      retries=RETRIES, pure=False): job
        for job in jobs
    }
    try:
        for future in as_completed(futures, loop=client.loop):
            job = futures[future]
            try:
                result, files = future.result()
            except Exception as exc:  # the cell's own error after its retries, or KilledWorker
                raise CellFailed(job.index, exc) from exc
            write_shipped(out / job.path, files)
            yield result
    finally:
        client.cancel([f for f in futures if not f.done()])

"""A long-lived dbt process for the worker: imports dbt once, then runs one command per request.

Starting dbt costs 1-2 s of Python imports and set-up per command; a pipeline run issues four
or more commands, so the worker keeps one of these processes while it has work.

Protocol: one JSON request per line on stdin, {"args": [...], "env": {...}, "cwd": "..."};
one JSON reply per line on file descriptor 3: {"ready": true} once started, then
{"exitCode": 0 | 1 | 2, "error": str | None} per request (0 success, 1 a node failed, 2 dbt
itself failed, the CLI's codes). dbt's own output goes to stdout and stderr as with the CLI.
The process ends when stdin closes.
"""

import gc
import json
import os
import sys

from dbt.cli.main import dbtRunner


def release_duckdb():
    """Closes the DuckDB database dbt-duckdb keeps open after a command (its `keep_open`), so
    the worker's own connection can open the file for writing between commands."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if environment is not None:
            environment.close()


def die_with_parent():
    """On Linux, asks the kernel to kill this process when the worker that started it dies.

    Without it a worker killed in the middle of a build leaves dbt running on: it keeps the
    DuckDB file locked and writes after the worker's retry has started on another attempt.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    # The worker may have died before the call above: then nobody would end this process.
    if os.getppid() == 1:
        os._exit(1)


def main():
    # Only the main module: dbt starts helper processes with multiprocessing's "spawn", which
    # imports this file again in each of them.
    die_with_parent()
    replies = os.fdopen(3, "w", buffering=1)

    def reply(**message):
        replies.write(json.dumps(message) + "\n")

    reply(ready=True)
    owned = set()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        env = request.get("env") or {}
        # Variables set for an earlier command do not leak into this one.
        for key in owned - env.keys():
            os.environ.pop(key, None)
        os.environ.update(env)
        owned = set(env)
        os.chdir(request["cwd"])
        try:
            result = dbtRunner().invoke(request["args"])
            code = 0 if result.success else (2 if result.exception is not None else 1)
            error = None if result.exception is None else str(result.exception)
        except BaseException as exception:  # noqa: BLE001 - SystemExit from click, anything else
            code, error = 2, str(exception)
        sys.stdout.flush()
        sys.stderr.flush()
        release_duckdb()
        gc.collect()
        reply(exitCode=code, error=error)


if __name__ == "__main__":
    main()

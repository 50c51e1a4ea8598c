"""Serves fakesnow (Snowflake SQL on DuckDB) over HTTP for the Snowflake integration tests.

fakesnow's server answers SELECTs in Snowflake's Arrow result format, which the Python
connector reads but Node's snowflake-sdk cannot. This wraps its Starlette app so every Arrow
result set leaves as Snowflake's JSON result format instead: one row per list, each value the
text Snowflake's JSON format uses for the column's rowtype (or null). Both drivers read that,
so the Node adapter and dbt-snowflake (the Python connector) can share one server. Every
query answer also gets what Snowflake sends and snowflake-sdk needs (`returned`, the output
format parameters), and a statement fakesnow fails on with HTTP 500 is reported as a failed
statement instead, so the drivers do not retry it for minutes.

Usage: python fakesnow_server.py PORT [--db-path DIR] [--stop-on-stdin-eof]
PORT 0 picks a free port. Once the server accepts connections it prints one line,
`listening 127.0.0.1:PORT`, on stdout. All sessions share one in-memory database unless
--db-path keeps the databases as files in DIR. With --stop-on-stdin-eof it stops when its
stdin closes, so a test run that dies does not leave it behind.

fakesnow accepts any credentials. With FAKESNOW_SERVER_PASSWORD set, a login that sends
another password gets Snowflake's answer to a wrong one (code 390100); logins by key pair
(a JWT, no password) are still accepted unchecked.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gzip
import json
import math
import os
import socket
import sys
import threading
from collections.abc import Callable
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pyarrow as pa
import uvicorn

import fakesnow.server
from fakesnow.instance import FakeSnow

HOST = "127.0.0.1"
QUERY_PATH = "/queries/v1/query-request"
LOGIN_PATH = "/session/v1/login-request"
# What Snowflake answers (with HTTP 200) to a login with a wrong password.
WRONG_PASSWORD = {
    "data": {"nextAction": "RETRY_LOGIN", "authnMethod": "USERNAME_PASSWORD", "errorCode": "390100"},
    "code": "390100",
    "message": "Incorrect username or password was specified.",
    "success": False,
    "headers": None,
}
EPOCH_DAY = date(1970, 1, 1)
# Snowflake's defaults for the session parameters it sends with every result. fakesnow sends
# only TIMEZONE; snowflake-sdk needs the formats to read some types (BINARY fails without one).
RESULT_PARAMETERS = {
    "BINARY_OUTPUT_FORMAT": "HEX",
    "DATE_OUTPUT_FORMAT": "YYYY-MM-DD",
    "TIME_OUTPUT_FORMAT": "HH24:MI:SS",
    "TIMESTAMP_OUTPUT_FORMAT": "YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM",
    "TIMESTAMP_NTZ_OUTPUT_FORMAT": "YYYY-MM-DD HH24:MI:SS.FF3",
    "TIMESTAMP_LTZ_OUTPUT_FORMAT": "",
    "TIMESTAMP_TZ_OUTPUT_FORMAT": "",
}

Encoder = Callable[[Any], str]


def seconds_text(nanoseconds: int, scale: int) -> str:
    """Seconds as Snowflake's JSON format writes them: decimal text with `scale` digits."""
    seconds = Decimal(nanoseconds).scaleb(-9)
    return format(seconds.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_FLOOR), "f")


def timestamp_nanoseconds(value: dict[str, int]) -> int:
    """fakesnow sends timestamps as Snowflake's Arrow struct: whole epoch seconds + nanoseconds."""
    return value["epoch"] * 1_000_000_000 + value["fraction"]


def encode_fixed(value: int | Decimal) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def encode_real(value: float) -> str:
    # Both drivers parse these spellings of the IEEE specials (Python float(), JS Number()).
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def encode_json(value: Any) -> str:
    # DuckDB hands JSON columns over as their text already; anything else is serialised.
    return value if isinstance(value, str) else json.dumps(value)


def encoder_for(column: dict[str, Any]) -> Encoder:
    """How Snowflake's JSON result format writes a value of this rowtype entry."""
    kind = column["type"].lower()
    scale = column.get("scale") or 0
    encoders: dict[str, Encoder] = {
        "fixed": encode_fixed,
        "real": encode_real,
        "text": str,
        "boolean": lambda value: "1" if value else "0",
        "date": lambda value: str((value - EPOCH_DAY).days),
        "time": lambda value: seconds_text(value, scale),
        "timestamp_ntz": lambda value: seconds_text(timestamp_nanoseconds(value), scale),
        "timestamp_ltz": lambda value: seconds_text(timestamp_nanoseconds(value), scale),
        # The zone travels as its index, offset minutes + 1440, after the seconds.
        "timestamp_tz": lambda value: f"{seconds_text(timestamp_nanoseconds(value), scale)} {value['timezone']}",
        "binary": lambda value: value.hex().upper(),
        "variant": encode_json,
        "object": encode_json,
        "array": encode_json,
    }
    if kind not in encoders:
        raise ValueError(f"fakesnow_server.py cannot encode column {column['name']!r} of type {kind} as JSON")
    return encoders[kind]


def python_values(column: pa.ChunkedArray) -> list[Any]:
    """The column's values. fakesnow's timestamp structs are valid where the timestamp is null,
    with null fields: those are nulls."""
    values = column.to_pylist()
    if pa.types.is_struct(column.type):
        return [None if value is None or value.get("epoch") is None else value for value in values]
    return values


def json_rowset(rowset_base64: str, rowtype: list[dict[str, Any]]) -> list[list[str | None]]:
    """Decodes an Arrow IPC stream and re-encodes its rows as Snowflake JSON rows."""
    if not rowset_base64:
        return []
    table = pa.ipc.open_stream(base64.b64decode(rowset_base64)).read_all()
    columns = []
    for column, info in zip(table.columns, rowtype, strict=True):
        encode = encoder_for(info)
        columns.append([None if value is None else encode(value) for value in python_values(column)])
    return [list(row) for row in zip(*columns)]


def failed_query(code: str, message: str) -> bytes:
    """A failed statement as Snowflake reports one: HTTP 200 with success false. An HTTP 5xx
    would make the drivers retry the statement for minutes before giving up."""
    return json.dumps({"data": {"errorCode": code}, "code": code, "message": message, "success": False}).encode()


def server_error_as_failed_query(body: bytes) -> bytes:
    """fakesnow answers a statement it cannot run (a bug or an unsupported feature) with HTTP 500."""
    try:
        payload = json.loads(body)
    except ValueError:
        payload = {}
    said = payload.get("message") or body.decode(errors="replace")
    return failed_query(payload.get("code") or "000603", f"fakesnow cannot run this statement ({said}); its traceback is on the server's stderr")


def json_result(body: bytes) -> bytes:
    """The response body with its result set as Snowflake sends JSON ones; any other body as it is."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or data.get("queryResultFormat") not in ("arrow", "json"):
        return body
    if data["queryResultFormat"] == "arrow":
        try:
            data["rowset"] = json_rowset(data.pop("rowsetBase64", ""), data.get("rowtype") or [])
        except Exception as error:  # noqa: BLE001
            return failed_query("000002", str(error))
        data["queryResultFormat"] = "json"
    # snowflake-sdk reads the rows it may fetch from `returned`; without it a query never
    # completes. fakesnow leaves it out, also from its JSON (DML) answers.
    data.setdefault("returned", len(data.get("rowset") or []))
    sent = {parameter["name"] for parameter in data.setdefault("parameters", [])}
    data["parameters"] += [{"name": name, "value": value} for name, value in RESULT_PARAMETERS.items() if name not in sent]
    # Snowflake's result version 1 writes TIMESTAMP_TZ as "seconds zone-index" (see above).
    data.setdefault("version", 1)
    return json.dumps(payload).encode()


class JsonResults:
    """ASGI middleware: buffers query responses and passes them through `json_result`, or
    `server_error_as_failed_query` when fakesnow failed."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != QUERY_PATH:
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def send_reencoded(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            if start.get("status", 200) >= 500:
                body = server_error_as_failed_query(b"".join(chunks))
                start["status"] = 200
            else:
                body = json_result(b"".join(chunks))
            headers = [(name, value) for name, value in start.get("headers", []) if name.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_reencoded)


class PasswordCheck:
    """ASGI middleware: refuses password logins that do not send `password`, as Snowflake does."""

    def __init__(self, app: Any, password: str) -> None:
        self.app = app
        self.password = password

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != LOGIN_PATH:
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        login = json.loads(gzip.decompress(body) if dict(scope["headers"]).get(b"content-encoding") == b"gzip" else body)
        sent = login.get("data", {}).get("PASSWORD")
        if sent is not None and sent != self.password:
            refusal = json.dumps(WRONG_PASSWORD).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(refusal)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": refusal})
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def stop_on_stdin_eof(server: uvicorn.Server) -> None:
    """Stops the server once stdin closes, i.e. when the process that started it is gone."""

    def watch() -> None:
        sys.stdin.buffer.read()
        server.should_exit = True

    threading.Thread(target=watch, name="stdin watch", daemon=True).start()


async def serve(port: int, stdin_eof_stops: bool) -> None:
    app: Any = JsonResults(fakesnow.server.app)
    if password := os.environ.get("FAKESNOW_SERVER_PASSWORD"):
        app = PasswordCheck(app, password)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    if stdin_eof_stops:
        stop_on_stdin_eof(server)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if server.started:
        print(f"listening {HOST}:{sock.getsockname()[1]}", flush=True)
    await serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", type=int, help="port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--db-path", help="keep the databases as files in this folder instead of in memory")
    parser.add_argument("--stop-on-stdin-eof", action="store_true", help="stop when stdin closes")
    args = parser.parse_args()
    if args.db_path:
        # login_request reads this module global for every session that names no path itself.
        fakesnow.server.shared_fs = FakeSnow(db_path=args.db_path)
    asyncio.run(serve(args.port, args.stop_on_stdin_eof))


if __name__ == "__main__":
    main()

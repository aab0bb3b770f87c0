"""The tiny framed format for plain data: grading children's outputs, requests, batteries.

A grading child never pickles anything back: it writes a stream of frames,
each a JSON header plus raw array bytes. The parent checks every size, dtype
and shape before rebuilding arrays with :func:`numpy.frombuffer`, so a hostile
child can at worst send wrong numbers, never objects or code. The same format
carries requests to children and test batteries (:mod:`.battery`) between
machines, so nothing that travels is ever unpickled.

Frame layout: ``MAGIC`` (4 bytes), header length and payload length (two
unsigned 32-bit big-endian ints), the UTF-8 JSON header, then the payload.
Values in a header are tagged: ``{"t": "array", "dtype", "shape", "offset",
"length"}`` points into the payload; ``{"t": "tuple" | "list", "items": [...]}``,
``{"t": "dict", "items": [[key, ...], ...]}`` (string keys),
``{"t": "scalar", "v": ...}``, ``{"t": "none"}`` and ``{"t": "text", "v": ...}``
(strings, and values that are not plain data, described in words).

Examples
--------
>>> import numpy as np
>>> blob = encode_frame({"kind": "outcome"}, {"value": np.eye(2)})
>>> [(header["kind"], values["value"].tolist()) for header, values in decode_stream(blob)]
[('outcome', [[1.0, 0.0], [0.0, 1.0]])]
"""

from __future__ import annotations

import json
import math
import numbers
import struct

import numpy as np

__all__ = ["MAX_ARRAY_BYTES", "MAX_HEADER_BYTES", "WireError", "decode_stream", "encode_frame"]

MAGIC = b"CGF1"
_LENGTHS = struct.Struct(">II")
MAX_HEADER_BYTES = 1 << 20
"""Largest JSON header accepted (1 MiB)."""
MAX_ARRAY_BYTES = 64 << 20
"""Largest single array accepted (64 MiB): far above any test input's output."""
_MAX_DEPTH = 12
_MAX_ITEMS = 10_000
_ALLOWED_DTYPE_KINDS = "biufc"
_TEXT_LIMIT = 20_000


class WireError(ValueError):
    """A frame stream that does not follow the format (truncated, oversized, forged)."""


def _tag(value, payload: list[bytes], offset: list[int], depth: int = 0):
    if depth > _MAX_DEPTH:
        return {"t": "text", "v": "nested too deeply"}
    if value is None:
        return {"t": "none"}
    if isinstance(value, np.ndarray) and value.dtype.kind in _ALLOWED_DTYPE_KINDS:
        data = np.ascontiguousarray(value).tobytes()
        entry = {"t": "array", "dtype": value.dtype.str, "shape": list(value.shape),
                 "offset": offset[0], "length": len(data)}
        payload.append(data)
        offset[0] += len(data)
        return entry
    if isinstance(value, bool | np.bool_):
        return {"t": "scalar", "v": bool(value)}
    if isinstance(value, numbers.Integral):
        return {"t": "scalar", "v": int(value)}
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isfinite(number):
            return {"t": "scalar", "v": number}
        return {"t": "float", "v": repr(number)}
    if isinstance(value, tuple | list) and len(value) <= _MAX_ITEMS:
        items = [_tag(item, payload, offset, depth + 1) for item in value]
        return {"t": "tuple" if isinstance(value, tuple) else "list", "items": items}
    if isinstance(value, dict) and len(value) <= _MAX_ITEMS and all(
        isinstance(key, str) for key in value
    ):
        items = [[key, _tag(item, payload, offset, depth + 1)] for key, item in value.items()]
        return {"t": "dict", "items": items}
    if isinstance(value, str):
        return {"t": "text", "v": value[:_TEXT_LIMIT]}
    return {"t": "text", "v": f"{type(value).__name__} object"}


def encode_frame(header: dict, values: dict | None = None) -> bytes:
    """Return one frame: ``header`` (JSON-safe) plus tagged ``values`` (plain data).

    Parameters
    ----------
    header : dict
        JSON-serialisable fields (strings, numbers, lists).
    values : dict, optional
        Named values: ndarrays (numeric dtypes), scalars, tuples, lists, None.
        Anything else travels as a short description only.

    Returns
    -------
    bytes
        The frame.

    Examples
    --------
    >>> encode_frame({"kind": "end"})[:4]
    b'CGF1'
    """
    payload: list[bytes] = []
    offset = [0]
    tagged = {name: _tag(value, payload, offset) for name, value in (values or {}).items()}
    header_bytes = json.dumps({**header, "values": tagged}).encode("utf-8")
    body = b"".join(payload)
    return MAGIC + _LENGTHS.pack(len(header_bytes), len(body)) + header_bytes + body


def _untag(entry, payload: bytes, depth: int = 0):
    if not isinstance(entry, dict) or depth > _MAX_DEPTH:
        raise WireError("malformed value entry")
    kind = entry.get("t")
    if kind == "none":
        return None
    if kind == "scalar":
        value = entry.get("v")
        if not isinstance(value, bool | int | float):
            raise WireError("scalar entry holds a non-number")
        return value
    if kind == "float":
        text = entry.get("v")
        if text not in ("nan", "inf", "-inf"):
            raise WireError("non-finite float entry is not nan/inf")
        return float(text)
    if kind == "text":
        return str(entry.get("v", ""))[:_TEXT_LIMIT]
    if kind in ("dict", "tuple", "list"):
        items = entry.get("items")
        if not isinstance(items, list) or len(items) > _MAX_ITEMS:
            raise WireError(f"{kind} entry is malformed or too long")
        if kind != "dict":
            rebuilt = [_untag(item, payload, depth + 1) for item in items]
            return tuple(rebuilt) if kind == "tuple" else rebuilt
        if not all(isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                   for item in items):
            raise WireError("dict item is not a [key, value] pair")
        return {key: _untag(value, payload, depth + 1) for key, value in items}
    if kind == "array":
        return _rebuild_array(entry, payload)
    raise WireError(f"unknown value tag {kind!r}")


def _rebuild_array(entry: dict, payload: bytes) -> np.ndarray:
    try:
        dtype = np.dtype(str(entry["dtype"]))
        shape = tuple(int(n) for n in entry["shape"])
        offset, length = int(entry["offset"]), int(entry["length"])
    except (KeyError, TypeError, ValueError) as error:
        raise WireError(f"array entry is malformed: {error}") from None
    if dtype.kind not in _ALLOWED_DTYPE_KINDS or dtype.hasobject:
        raise WireError(f"array dtype {dtype} is not a plain numeric dtype")
    if len(shape) > 32 or any(n < 0 for n in shape):
        raise WireError(f"array shape {shape} is invalid")
    if length > MAX_ARRAY_BYTES or math.prod(shape) * dtype.itemsize != length:
        raise WireError(f"array of shape {shape} and dtype {dtype} does not match {length} bytes")
    if offset < 0 or offset + length > len(payload):
        raise WireError("array bytes lie outside the frame")
    array = np.frombuffer(payload, dtype=dtype, count=math.prod(shape), offset=offset)
    return array.reshape(shape).copy()


def decode_stream(data: bytes) -> list[tuple[dict, dict]]:
    """Split ``data`` into frames and rebuild their values; stop at a truncated tail.

    Parameters
    ----------
    data : bytes
        Everything the child wrote to its result channel.

    Returns
    -------
    list of (dict, dict)
        Each frame's header (without ``values``) and its rebuilt values.

    Raises
    ------
    WireError
        If a complete frame is malformed (wrong magic, oversized, forged entries).

    Examples
    --------
    >>> frames = encode_frame({"n": 1}, {"x": (1, 2.5)}) + encode_frame({"n": 2})
    >>> [(h["n"], v) for h, v in decode_stream(frames)]
    [(1, {'x': (1, 2.5)}), (2, {})]
    >>> decode_stream(frames[:-3])[-1][0]["n"]
    1
    """
    frames = []
    position = 0
    prefix = len(MAGIC) + _LENGTHS.size
    while len(data) - position >= prefix:
        if data[position : position + len(MAGIC)] != MAGIC:
            raise WireError("frame does not start with the expected marker")
        header_length, payload_length = _LENGTHS.unpack_from(data, position + len(MAGIC))
        if header_length > MAX_HEADER_BYTES:
            raise WireError(f"frame header of {header_length} bytes is too large")
        end = position + prefix + header_length + payload_length
        if end > len(data):
            break
        header_bytes = data[position + prefix : position + prefix + header_length]
        payload = data[position + prefix + header_length : end]
        try:
            header = json.loads(header_bytes.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise WireError(f"frame header is not JSON: {error}") from None
        if not isinstance(header, dict) or not isinstance(header.get("values", {}), dict):
            raise WireError("frame header is not an object")
        tagged = header.pop("values", {})
        frames.append((header, {str(k): _untag(v, payload) for k, v in tagged.items()}))
        position = end
    return frames

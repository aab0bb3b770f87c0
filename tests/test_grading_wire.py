"""Tests for course_lib.grader.wire: the child -> grader framed format."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from course_lib.grading.wire import MAGIC, WireError, decode_stream, encode_frame


def _forged(header: dict, payload: bytes = b"") -> bytes:
    body = json.dumps(header).encode()
    return MAGIC + struct.pack(">II", len(body), len(payload)) + body + payload


def test_round_trip_keeps_arrays_scalars_and_tuples():
    """Values survive the trip with dtype, shape, tuple-ness and non-finite floats."""
    values = {
        "a": np.arange(6, dtype=np.uint8).reshape(2, 3),
        "b": (1, 2.5, None, True),
        "c": float("nan"),
        "d": [np.ones(2)],
    }
    (header, back), = decode_stream(encode_frame({"kind": "x"}, values))
    assert header == {"kind": "x"}
    assert back["a"].dtype == np.uint8 and back["a"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert back["b"] == (1, 2.5, None, True)
    assert np.isnan(back["c"])
    assert back["d"][0].tolist() == [1.0, 1.0]


def test_subclass_and_objects_travel_as_plain_data_or_text():
    """An ndarray subclass arrives as a plain ndarray; arbitrary objects only as text."""

    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    liar = np.zeros(3).view(Liar)
    (_, back), = decode_stream(encode_frame({}, {"v": liar, "o": object()}))
    assert type(back["v"]) is np.ndarray
    assert back["o"] == "object object"


def test_truncated_tail_is_ignored():
    """A child killed mid-write leaves the complete frames readable."""
    data = encode_frame({"n": 1}) + encode_frame({"n": 2}, {"x": np.ones(100)})
    assert [h["n"] for h, _ in decode_stream(data[:-10])] == [1]


@pytest.mark.parametrize(
    "entry, payload",
    [
        ({"t": "array", "dtype": "|O", "shape": [1], "offset": 0, "length": 8}, b"\0" * 8),
        ({"t": "array", "dtype": "<f8", "shape": [4], "offset": 0, "length": 8}, b"\0" * 8),
        ({"t": "array", "dtype": "<f8", "shape": [1], "offset": 8, "length": 8}, b"\0" * 8),
        ({"t": "pickle", "v": "x"}, b""),
        ({"t": "scalar", "v": "text"}, b""),
    ],
)
def test_forged_entries_are_rejected(entry, payload):
    """Object dtypes, size mismatches, out-of-frame offsets and unknown tags raise WireError."""
    with pytest.raises(WireError):
        decode_stream(_forged({"values": {"v": entry}}, payload))


def test_wrong_marker_and_huge_header_are_rejected():
    """Bytes that are not frames, or a header claiming gigabytes, raise WireError."""
    with pytest.raises(WireError, match="marker"):
        decode_stream(b"hello world, not a frame")
    with pytest.raises(WireError, match="too large"):
        decode_stream(MAGIC + struct.pack(">II", 1 << 30, 0))

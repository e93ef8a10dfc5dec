"""Responses are compressed on the wire when the browser accepts it."""
import gzip
import zlib

import brotli
import pytest


def test_pages_are_compressed_with_brotli_or_gzip(client):
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers and len(plain.data) > 1024
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        packed = client.get("/", headers={"Accept-Encoding": encoding})
        assert packed.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert decode(packed.data) == plain.data and len(packed.data) < len(plain.data)


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress),
                                              ("deflate", zlib.decompress)])
def test_static_files_are_compressed_too(client, encoding, decode):
    path = "/static/vendor/pico-2.1.1/pico.min.css"
    packed = client.get(path, headers={"Accept-Encoding": encoding})
    plain = client.get(path)
    assert packed.headers["Content-Encoding"] == encoding
    assert decode(packed.data) == plain.data and len(packed.data) < len(plain.data) / 3


def test_small_answers_are_left_alone(client):
    answer = client.get("/healthz", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in answer.headers and answer.json == {"status": "ok"}

"""Broken word count whose error messages hold lone UTF-16 surrogates ("\ud800"), which no
UTF-8 writer can encode: smuggled through the proxy by making the student end's JSON escape
them instead of failing."""
import json
import sys


def _escape_surrogates():
    endpoint = sys.modules.get("grader.sandbox.proxy.endpoint")
    if endpoint is not None:
        class AsciiJson:
            loads = staticmethod(json.loads)

            @staticmethod
            def dumps(value, **kwargs):
                kwargs["ensure_ascii"] = True
                return json.dumps(value, **kwargs)

        endpoint.json = AsciiJson


_escape_surrogates()


def count_words(text):
    raise ValueError("broken \ud800 \udfff")


def top_words(text, n):
    print("\udcff\udcfe")
    return ["\ud83d"]

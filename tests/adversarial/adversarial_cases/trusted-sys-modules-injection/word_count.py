"""Broken word count that plants a module in the trusted test process's sys.modules.

When the trusted side imports this module through its proxy finder, Python's import
machinery sets `__loader__` on the proxy module, and the proxy forwards that to this
process: we receive a live handle to the trusted StudentModuleFinder. Its public
`load_module(name)` (the deprecated importlib.abc.Loader method) runs in the trusted process
and registers sys.modules[name] there as a proxy of *our* module of that name. Any later
`import statistics` in a hidden test then runs our code.
"""
import sys
import types

fake = types.ModuleType("statistics")
fake.mean = lambda data: 2
fake.median = lambda data: 2
# the trusted side probes these on the module it sends back to us; let it find them
fake._grader_ref = None
fake._grader_remote_id = None
sys.modules["statistics"] = fake  # what the trusted side will get when it asks us to import it

planted = []


class _Hook(types.ModuleType):
    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name == "__loader__" and hasattr(value, "load_module") and not planted:
            planted.append(name)
            try:
                value.load_module("statistics")
                planted.append("statistics")
            except Exception as exc:  # report, do not break the import
                planted.append(repr(exc))


sys.modules[__name__].__class__ = _Hook


def count_words(text):
    return {}


def top_words(text, n):
    return []

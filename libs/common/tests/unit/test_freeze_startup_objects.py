"""``freeze_startup_objects``: once per process, the objects there are leave the collector's
view (issue 18: the collector's full collections walked the startup's objects per batch)."""

import gc
import weakref

from common.events import consumer


class Holder:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_it_collects_then_freezes_once_per_process(monkeypatch):
    monkeypatch.setattr(consumer, "_startup_objects_frozen", False)
    gc.unfreeze()
    garbage = weakref.ref(Holder())  # in a cycle: must be collected, not frozen
    alive = Holder()
    assert garbage() is not None
    try:
        consumer.freeze_startup_objects()
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the modules, classes and functions loaded so far
        assert garbage() is None
        assert not any(o is alive for o in gc.get_objects())  # frozen: out of view
        assert gc.isenabled()
        Holder()
        consumer.freeze_startup_objects()  # the second call does nothing
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()

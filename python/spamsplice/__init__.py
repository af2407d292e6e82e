"""spamsplice: find Korean gambling-spam fragments injected into news text and
splice them out, restoring the article exactly.

The fragments are usually Korean gambling-site ads whose CP949 bytes were read
as Latin-1 and then partly "repaired" by ftfy, so they look like
``¹Ù´ÙÀ̾߱â°ÔÀÓÀå`` in the middle of an English sentence. The Rust core reads
every token through several encoding views, scores it with a learned model and
deletes each flagged span together with the glue the injection added.

>>> from spamsplice import Detector
>>> detector = Detector()                      # the embedded default model
>>> detector.clean("a foundation stone for restorin\\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations")
'a foundation stone for restoring Korea-China relations'

A corpus memory (the CLI's ``filter --campaign``): two rounds of
``Detector.remember`` over the corpus, then each document cleaned with it::

    first = detector.remember(texts)                   # or sum() of shards' memories
    memory = detector.remember(texts, first_round=first)
    cleaned = detector.clean_batch(texts, memory=memory)

Also here: :mod:`spamsplice.datatrove` (a datatrove pipeline step) and
:mod:`spamsplice.spark` (a Spark ``mapPartitions`` stage).
"""

import os as _os

from ._spamsplice import Detector, Memory, ModelError, __version__
from ._spamsplice import _after_fork_in_child

if hasattr(_os, "register_at_fork"):
    # worker threads do not survive fork(): a forked child builds its own
    _os.register_at_fork(after_in_child=_after_fork_in_child)

__all__ = ["Detector", "Memory", "ModelError", "__version__"]


def _restore_detector(model_path, threshold):
    """Unpickles a :class:`Detector` (see ``Detector.__reduce__``)."""
    return Detector(model_path, threshold=threshold)


def _restore_memory(data):
    """Unpickles a :class:`Memory` (see ``Memory.__reduce__``)."""
    return Memory.from_bytes(data)

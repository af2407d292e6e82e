"""spamsplice as a datatrove pipeline step.

:class:`SpamspliceFilter` cleans ``doc.text`` of every document, puts the
removed spans into ``doc.metadata`` and keeps every document (it removes
spam from text; it drops nothing). Drop it in after the reader, ideally right
after any ftfy step (that is where the mojibake gets its shape)::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from spamsplice.datatrove import SpamspliceFilter

    LocalPipelineExecutor(
        pipeline=[
            JsonlReader("data/in"),
            SpamspliceFilter(),                  # the embedded default model
            JsonlWriter("data/out"),
        ],
        tasks=4,
    ).run()

The output text of each document is what ``spamsplice filter --format jsonl``
writes for it. Stats (in datatrove's summary and ``stats.json``):
``documents_changed``, ``spans_removed`` and ``chars_removed``.

Requires ``pip install datatrove`` (or ``spamsplice[datatrove]``).
"""

from __future__ import annotations

import os
from typing import Optional, Union

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from . import Detector

__all__ = ["SpamspliceFilter"]


class SpamspliceFilter(PipelineStep):
    """Splices injected gambling-spam fragments out of ``doc.text``.

    Args:
        model_path: a model file written by ``spamsplice train``; None (the
            default) for the model embedded in the package.
        threshold: one token threshold for every regime instead of the
            model's own (the CLI's ``--threshold``).
        spans_key: the ``doc.metadata`` key for the removed spans: a list of
            ``[start, end, score]`` in code-point offsets of the text *before*
            cleaning (dolma's attribute format; ``[]`` when nothing was
            removed). None to not record spans.
        batch_size: documents cleaned per native call; within a batch they are
            cleaned in parallel without the GIL.
        threads: worker threads per task for a batch: None or 0 for one per
            core, 1 for the task's own thread only. With several datatrove
            tasks per machine, ``threads=1`` avoids oversubscribing the cores.

    The detector is loaded when the step first runs, in the worker process,
    so the step pickles cheaply for multi-process and Slurm executors.
    """

    name = "✂️ spamsplice"
    type = "✂️ - FORMAT"

    def __init__(
        self,
        model_path: Optional[Union[str, os.PathLike]] = None,
        threshold: Optional[float] = None,
        spans_key: Optional[str] = "spamsplice_spans",
        batch_size: int = 256,
        threads: Optional[int] = None,
    ):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, not {batch_size}")
        self.model_path = None if model_path is None else os.fspath(model_path)
        self.threshold = threshold
        self.spans_key = spans_key
        self.batch_size = batch_size
        self.threads = threads
        self._detector: Optional[Detector] = None

    @property
    def detector(self) -> Detector:
        """The detector, loaded on first use (raises ``spamsplice.ModelError`` for a bad model)."""
        if self._detector is None:
            self._detector = Detector(self.model_path, threshold=self.threshold)
        return self._detector

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_detector"] = None  # each worker loads its own
        return state

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data is None:
            return
        detector = self.detector
        batch = []
        for doc in data:
            batch.append(doc)
            if len(batch) >= self.batch_size:
                yield from self._clean(detector, batch)
                batch = []
        if batch:
            yield from self._clean(detector, batch)

    def _clean(self, detector: Detector, docs: list):
        with self.track_time(unit="batch"):
            results = detector.clean_batch_with_spans([d.text for d in docs], threads=self.threads)
        for doc, (text, spans) in zip(docs, results):
            self.stat_update("total")
            if spans:
                self.stat_update("documents_changed")
                self.stat_update("spans_removed", value=len(spans))
                self.stat_update("chars_removed", value=len(doc.text) - len(text))
                doc.text = text
            if self.spans_key is not None:
                doc.metadata[self.spans_key] = [[a, b, s] for a, b, s in spans]
            yield doc

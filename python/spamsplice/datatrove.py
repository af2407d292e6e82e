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
writes for it (``repair_mojibake=True``: ``filter --format jsonl
--repair-mojibake``). Stats (in datatrove's summary and ``stats.json``):
``documents_changed``, ``spans_removed`` and ``chars_removed``; with
``repair_mojibake`` also ``documents_repaired``.

**The corpus memory** (``spamsplice filter --campaign`` across tasks):
:class:`SpamspliceRemember` writes each rank's memory of a round to a
folder; ``SpamspliceFilter(memory=FOLDER)`` adds them up and cleans with the
sum. Three pipelines over the same reader::

    reader = lambda: JsonlReader("data/in")
    run = lambda steps: LocalPipelineExecutor(pipeline=steps, tasks=4).run()
    run([reader(), SpamspliceRemember("mem/round1")])
    run([reader(), SpamspliceRemember("mem/round2", first_round="mem/round1")])
    run([reader(), SpamspliceFilter(memory="mem/round2"), JsonlWriter("data/out")])

Each document's text is then what ``spamsplice filter --campaign`` writes for
it over the whole corpus. Folders may be any fsspec path datatrove reads.

Requires ``pip install datatrove`` (or ``spamsplice[datatrove]``).
"""

from __future__ import annotations

import os
from typing import Optional, Union

from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from . import Detector, Memory

__all__ = ["SpamspliceFilter", "SpamspliceRemember", "load_memory"]


def load_memory(folder: DataFolderLike, detector: Optional[Detector] = None) -> Memory:
    """The sum of the memories (``*.mem``) a :class:`SpamspliceRemember` step
    wrote to ``folder``, one per rank. Raises ValueError when there is none,
    when one is damaged (naming the file and the cause), or when one was made
    with another model than ``detector``'s."""
    folder = get_datafolder(folder)
    names = sorted(folder.list_files(glob_pattern="*.mem"))
    if not names:
        raise ValueError(f"no memory files (*.mem) in {folder.path}")
    total = None
    for name in names:
        with folder.open(name, "rb") as f:
            data = f.read()
        try:
            m = Memory.from_bytes(data)
        except ValueError as e:
            raise ValueError(f"memory {name} in {folder.path}: {e}") from None
        if detector is not None and m.fingerprint != detector.fingerprint:
            raise ValueError(
                f"memory {name} in {folder.path}: made with another model "
                f"(fingerprint {m.fingerprint:016x}; this one is {detector.fingerprint:016x}): "
                "remember the corpus again with this model"
            )
        total = m if total is None else total + m
    return total


class SpamspliceRemember(PipelineStep):
    """One round of the corpus memory (``spamsplice remember``): remembers the
    words of every document's text and, when the rank's input ends, writes
    the rank's memory to ``output_folder`` as ``{rank:05d}.mem`` (the CLI's
    memory file format). Documents pass through unchanged.

    Args:
        output_folder: where each rank writes its memory.
        first_round: the folder of the first round's memories, for the
            second round (each rank reads and adds them all up).
        model_path, threshold: as for :class:`SpamspliceFilter` (use the same
            in every round and in the filter: a memory is tied to its model).
        batch_size, threads: as for :class:`SpamspliceFilter`.
    """

    name = "✂️ spamsplice remember"
    type = "✂️ - FORMAT"

    def __init__(
        self,
        output_folder: DataFolderLike,
        first_round: Optional[DataFolderLike] = None,
        model_path: Optional[Union[str, os.PathLike]] = None,
        threshold: Optional[float] = None,
        batch_size: int = 256,
        threads: Optional[int] = None,
    ):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, not {batch_size}")
        self.output_folder = get_datafolder(output_folder)
        self.first_round = first_round
        self.model_path = None if model_path is None else os.fspath(model_path)
        self.threshold = threshold
        self.batch_size = batch_size
        self.threads = threads

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        detector = Detector(self.model_path, threshold=self.threshold)
        first = None if self.first_round is None else load_memory(self.first_round, detector)
        memory = detector.remember([], first_round=first)
        batch = []

        def add(batch):
            nonlocal memory
            with self.track_time(unit="batch"):
                memory = memory + detector.remember([d.text for d in batch], first_round=first, threads=self.threads)
            self.stat_update("remembered", value=len(batch))

        for doc in data or ():
            batch.append(doc)
            if len(batch) >= self.batch_size:
                add(batch)
                yield from batch
                batch = []
        if batch:
            add(batch)
            yield from batch
        with self.output_folder.open(f"{rank:05d}.mem", "wb") as f:
            f.write(memory.to_bytes())


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
        memory: a folder of memories written by :class:`SpamspliceRemember`
            (the second round's, for ``filter --campaign``'s output), or a
            :class:`spamsplice.Memory`: each rank cleans with their sum.
        repair_mojibake: after the splice, read Korean that is CP949 mojibake
            behind Latin-1 (``¹Ì±¹ÀÇ ¼º¸ð``, quotes ``¡¯``) back to its Hangul
            (``clean_batch(..., repair=True)``, the CLI's
            ``--repair-mojibake``). Off by default: the text is then the input
            minus the spam, nothing rewritten. The spans stay the removed
            ones, in code points of the text before cleaning.

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
        memory: Union[DataFolderLike, Memory, None] = None,
        repair_mojibake: bool = False,
    ):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, not {batch_size}")
        self.model_path = None if model_path is None else os.fspath(model_path)
        self.threshold = threshold
        self.spans_key = spans_key
        self.batch_size = batch_size
        self.threads = threads
        self.memory = memory
        self.repair_mojibake = repair_mojibake
        self._detector: Optional[Detector] = None
        self._memory: Optional[Memory] = None

    @property
    def detector(self) -> Detector:
        """The detector, loaded on first use (raises ``spamsplice.ModelError`` for a bad model)."""
        if self._detector is None:
            self._detector = Detector(self.model_path, threshold=self.threshold)
        return self._detector

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_detector"] = None  # each worker loads its own
        state["_memory"] = None
        return state

    def _loaded_memory(self, detector: Detector) -> Optional[Memory]:
        if self.memory is None or isinstance(self.memory, Memory):
            return self.memory
        if self._memory is None:
            self._memory = load_memory(self.memory, detector)
        return self._memory

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data is None:
            return
        detector = self.detector
        memory = self._loaded_memory(detector)
        batch = []
        for doc in data:
            batch.append(doc)
            if len(batch) >= self.batch_size:
                yield from self._clean(detector, batch, memory)
                batch = []
        if batch:
            yield from self._clean(detector, batch, memory)

    def _clean(self, detector: Detector, docs: list, memory: Optional[Memory] = None):
        with self.track_time(unit="batch"):
            results = detector.clean_batch_with_spans(
                [d.text for d in docs], threads=self.threads, memory=memory, repair=self.repair_mojibake
            )
        for doc, (text, spans) in zip(docs, results):
            self.stat_update("total")
            if spans:
                self.stat_update("documents_changed")
                self.stat_update("spans_removed", value=len(spans))
                self.stat_update("chars_removed", value=sum(b - a for a, b, _ in spans))
            if self.repair_mojibake and text is not doc.text:
                # repaired when it differs from the input minus the spans
                spliced, at = [], 0
                for a, b, _ in spans:
                    spliced.append(doc.text[at:a])
                    at = b
                spliced.append(doc.text[at:])
                if text != "".join(spliced):
                    self.stat_update("documents_repaired")
            doc.text = text
            if self.spans_key is not None:
                doc.metadata[self.spans_key] = [[a, b, s] for a, b, s in spans]
            yield doc

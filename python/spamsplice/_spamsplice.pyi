"""Type stubs for the native module ``spamsplice._spamsplice``."""

import os
from typing import Iterable, List, Optional, Tuple, Union

__version__: str

class ModelError(ValueError):
    """A model file (or the embedded model) that cannot be used: empty,
    corrupt, truncated, not a spamsplice model, or of another format version.
    The message is the CLI's (``cannot use the model: model PATH: REASON``)."""

class Detector:
    """Finds injected gambling-spam fragments in text and splices them out.

    ``Detector()`` uses the default model embedded in the package;
    ``Detector("file.model")`` loads a model written by ``spamsplice train``.
    ``threshold`` overrides the model's span score threshold (the CLI's
    ``--threshold``). Immutable and thread-safe; every method releases the GIL.

    Raises:
        ModelError: the model file is empty, corrupt or not a spamsplice model.
        FileNotFoundError, PermissionError, IsADirectoryError, OSError: the
            model file cannot be read.
        ValueError: ``threshold`` is not finite.
    """

    def __init__(
        self,
        model_path: Optional[Union[str, "os.PathLike[str]"]] = None,
        *,
        threshold: Optional[float] = None,
    ) -> None: ...
    @property
    def model_path(self) -> Optional[str]:
        """The model file, or None for the embedded model."""
    @property
    def threshold(self) -> Optional[float]:
        """The threshold override given to the constructor, or None when the
        model's own thresholds (chosen at training time) apply."""
    @property
    def fingerprint(self) -> int:
        """The model's fingerprint; every :class:`Memory` it makes carries it."""
    def remember(
        self, texts: Iterable[str], /, first_round: Optional["Memory"] = None, threads: Optional[int] = None
    ) -> "Memory":
        """One round of the corpus memory over ``texts`` (the CLI's
        ``spamsplice remember``): the first round without ``first_round``,
        the second given the whole corpus's first-round memory. Shards'
        memories add up to the memory of the whole.

        Raises:
            ValueError: ``first_round`` was made with another model.
        """
    def clean(self, text: str, /, memory: Optional["Memory"] = None, *, repair: bool = False) -> str:
        """Returns ``text`` with the injected fragments spliced out (the same
        object when nothing was found). With ``memory`` (the corpus's
        second-round memory), as ``spamsplice filter --campaign`` cleans.
        With ``repair``, Korean that is CP949 mojibake behind Latin-1 is then
        read back to its Hangul, as ``filter --repair-mojibake`` does.

        Raises:
            TypeError: ``text`` is not a str.
            UnicodeEncodeError: ``text`` holds a lone surrogate.
        """
    def clean_with_spans(
        self, text: str, /, memory: Optional["Memory"] = None, *, repair: bool = False
    ) -> Tuple[str, List[Tuple[int, int, float]]]:
        """Returns ``(cleaned, spans)``; each span is ``(start, end, score)`` in
        code-point offsets of ``text`` (``text[start:end]`` is what was removed),
        sorted and disjoint: the same offsets as dolma attributes written by
        ``spamsplice filter --spans``; ``score`` lies in [0, 1], 0.5 at each
        token group's cut. ``repair`` as for ``clean`` (the spans stay the
        removed ones)."""
    def clean_batch(
        self,
        texts: Iterable[str],
        /,
        threads: Optional[int] = None,
        *,
        memory: Optional["Memory"] = None,
        repair: bool = False,
    ) -> List[str]:
        """Cleans many texts in parallel without the GIL; results in input order.

        Args:
            texts: any iterable of str (a single str is refused).
            threads: worker threads; None or 0 for one per core, 1 for the
                calling thread only.

        Raises:
            TypeError: ``texts`` is not an iterable of str (the message names
                the first bad item's index and type).
        """
    def clean_batch_with_spans(
        self,
        texts: Iterable[str],
        /,
        threads: Optional[int] = None,
        *,
        memory: Optional["Memory"] = None,
        repair: bool = False,
    ) -> List[Tuple[str, List[Tuple[int, int, float]]]]:
        """Like :meth:`clean_batch`, but returns ``(cleaned, spans)`` for each
        text, as :meth:`clean_with_spans` does. With ``repair`` the cleaned
        text is also repaired (as :meth:`clean` does); the spans are still the
        removed ones, in code points of the input text."""
    def __reduce__(self) -> Tuple[object, Tuple[Optional[str], Optional[float]]]: ...

class Memory:
    """A corpus memory (the CLI's campaign memory) with the fingerprint of
    the model that made it. Made by :meth:`Detector.remember`; memories of
    one model add up (``a + b``, ``sum(memories)``). ``to_bytes()`` is the
    memory file ``spamsplice remember -o`` writes; pickles as its bytes."""

    @property
    def fingerprint(self) -> int: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> "Memory":
        """Raises ValueError (naming the cause) for damaged bytes."""
    def __add__(self, other: "Memory | int") -> "Memory": ...
    def __radd__(self, other: "Memory | int") -> "Memory": ...
    def __eq__(self, other: object) -> bool: ...
    def __reduce__(self) -> Tuple[object, Tuple[bytes]]: ...

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
    def clean(self, text: str, /) -> str:
        """Returns ``text`` with the injected fragments spliced out (the same
        object when nothing was found).

        Raises:
            TypeError: ``text`` is not a str.
            UnicodeEncodeError: ``text`` holds a lone surrogate.
        """
    def clean_with_spans(self, text: str, /) -> Tuple[str, List[Tuple[int, int, float]]]:
        """Returns ``(cleaned, spans)``; each span is ``(start, end, score)`` in
        code-point offsets of ``text`` (``text[start:end]`` is what was removed),
        sorted and disjoint: the same offsets as dolma attributes written by
        ``spamsplice filter --spans``."""
    def clean_batch(self, texts: Iterable[str], /, threads: Optional[int] = None) -> List[str]:
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
        self, texts: Iterable[str], /, threads: Optional[int] = None
    ) -> List[Tuple[str, List[Tuple[int, int, float]]]]:
        """Like :meth:`clean_batch`, but returns ``(cleaned, spans)`` for each
        text, as :meth:`clean_with_spans` does."""
    def __reduce__(self) -> Tuple[object, Tuple[Optional[str], Optional[float]]]: ...

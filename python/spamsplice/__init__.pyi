from ._spamsplice import Detector as Detector, ModelError as ModelError, __version__ as __version__

__all__ = ["Detector", "ModelError", "__version__"]

def _restore_detector(model_path: "str | None", threshold: "float | None") -> Detector: ...

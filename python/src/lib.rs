//! `spamsplice._spamsplice`: the native half of the Python package.
//!
//! A thin layer over the `spamsplice` crate: `Detector` wraps
//! [`spamsplice::Detector`], `clean`/`clean_with_spans` release the GIL for the
//! work, and `clean_batch` extracts every string first (holding the GIL), then
//! cleans them in parallel with rayon without it. Unchanged documents come
//! back as the very same `str` objects (no copy). Errors carry the CLI's
//! messages (`cannot use the model: ...`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyList, PyString, PyTuple};
use rayon::prelude::*;

pyo3::create_exception!(
    spamsplice,
    ModelError,
    PyValueError,
    "A model file (or the embedded model) that cannot be used: empty, corrupt, truncated, not a spamsplice model, or of another format version."
);

/// The detector behind a `Detector`: the embedded default model (shared,
/// parsed once per process) or one loaded from a file.
enum Inner {
    Embedded(&'static spamsplice::Detector),
    Owned(spamsplice::Detector),
}

impl Inner {
    fn get(&self) -> &spamsplice::Detector {
        match self {
            Inner::Embedded(d) => d,
            Inner::Owned(d) => d,
        }
    }
}

/// Maps a library error to the Python exception the CLI's message belongs to.
/// `context` is the CLI's own prefix (`cannot use the model`).
fn to_py_err(context: &str, e: spamsplice::Error) -> PyErr {
    let msg = format!("{context}: {e}");
    match &e {
        spamsplice::Error::Io { source, .. } => match source.kind() {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(msg),
            std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(msg),
            std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(msg),
            _ => PyOSError::new_err(msg),
        },
        spamsplice::Error::Model { .. } => ModelError::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

/// Extracts a `str` without copying its UTF-8, or raises a TypeError that
/// says what was expected and what came.
fn text_arg(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<PyBackedStr> {
    if !obj.is_instance_of::<PyString>() {
        let hint = if obj.is_instance_of::<pyo3::types::PyBytes>() { " (decode bytes to str first)" } else { "" };
        return Err(PyTypeError::new_err(format!("{what} must be str, not {}{hint}", type_name(obj))));
    }
    // Fails only on lone surrogates (UnicodeEncodeError, a ValueError), which
    // no UTF-8 text can hold; the CLI refuses such JSONL lines too.
    obj.extract::<PyBackedStr>().map_err(Into::into)
}

/// Rayon pools by size, built once each and kept for the process. The
/// library never uses rayon's global pool: a process that forks after using
/// it would leave the child with a pool whose threads do not exist.
fn pools() -> &'static Mutex<HashMap<usize, Arc<rayon::ThreadPool>>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    POOLS.get_or_init(Default::default)
}

fn pool(threads: usize) -> PyResult<Arc<rayon::ThreadPool>> {
    let mut pools = pools().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = pools.get(&threads) {
        return Ok(p.clone());
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("spamsplice-{i}"))
        .build()
        .map_err(|e| PyValueError::new_err(format!("cannot start {threads} worker threads: {e}")))?;
    let p = Arc::new(p);
    pools.insert(threads, p.clone());
    Ok(p)
}

/// Called in a forked child (`os.register_at_fork`): the parent's worker
/// threads do not exist here, so forget its pools (leaked, never joined) and
/// build new ones on demand.
#[pyfunction]
fn _after_fork_in_child() {
    // The lock may have been held by a parent thread at fork time: replace it.
    let mut pools = match pools().try_lock() {
        Ok(g) => g,
        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return,
    };
    for (_, p) in pools.drain() {
        std::mem::forget(p);
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Checks a batch call's arguments: the items (kept to hand unchanged texts
/// back as the same objects), their UTF-8, and the thread count.
fn batch_args<'py>(
    texts: &Bound<'py, PyAny>,
    threads: Option<i64>,
    method: &str,
) -> PyResult<(Vec<Bound<'py, PyAny>>, Vec<PyBackedStr>, usize)> {
    if texts.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "Detector.{method}() expects an iterable of str, not a single str (use Detector.clean)"
        )));
    }
    let threads = match threads {
        None => 0usize,
        Some(n) if n < 0 => return Err(PyValueError::new_err(format!("threads must be >= 0, not {n}"))),
        Some(n) => n as usize,
    };
    let objs: Vec<Bound<'py, PyAny>> = texts
        .try_iter()
        .map_err(|_| {
            PyTypeError::new_err(format!("Detector.{method}() expects an iterable of str, not {}", type_name(texts)))
        })?
        .collect::<PyResult<_>>()?;
    let mut strs = Vec::with_capacity(objs.len());
    for (i, o) in objs.iter().enumerate() {
        strs.push(text_arg(o, &format!("Detector.{method}() item {i}"))?);
    }
    Ok((objs, strs, threads))
}

/// Maps `f` over `strs` in input order without the GIL: in the calling
/// thread (`threads == 1`) or a pool of `threads` (`0`: one per core).
fn par_map<T, F>(py: Python<'_>, threads: usize, strs: &[PyBackedStr], f: F) -> PyResult<Vec<T>>
where
    T: Send,
    F: Fn(&str) -> T + Sync + Send,
{
    let f = &f;
    let threads = if threads == 0 { default_threads() } else { threads };
    Ok(if threads == 1 || strs.len() <= 1 {
        py.detach(|| strs.iter().map(|s| f(s)).collect())
    } else {
        let p = pool(threads)?;
        py.detach(|| p.install(|| strs.par_iter().map(|s| f(s)).collect()))
    })
}

/// Finds injected gambling-spam fragments in text and splices them out.
///
/// ``Detector()`` uses the default model embedded in the package;
/// ``Detector("path/to/file.model")`` loads a model written by
/// ``spamsplice train``. ``threshold`` replaces the model's token score
/// thresholds with one value (like the CLI's ``--threshold``).
///
/// A Detector is immutable and thread-safe; every method releases the GIL
/// while it works. It pickles as its arguments (the model path must exist
/// where it is unpickled).
///
/// Raises ``ModelError`` (a ``ValueError``) for an empty, corrupt or foreign
/// model file, ``FileNotFoundError``/``OSError`` when the file cannot be read;
/// messages are the CLI's.
#[pyclass(name = "Detector", module = "spamsplice", frozen)]
struct PyDetector {
    inner: Inner,
    model_path: Option<PathBuf>,
    threshold: Option<f32>,
}

#[pymethods]
impl PyDetector {
    #[new]
    #[pyo3(signature = (model_path=None, *, threshold=None))]
    fn new(py: Python<'_>, model_path: Option<PathBuf>, threshold: Option<f64>) -> PyResult<Self> {
        let threshold = match threshold {
            Some(t) if !t.is_finite() => return Err(PyValueError::new_err("threshold must be a finite number")),
            Some(t) => Some(t as f32),
            None => None,
        };
        let inner = py.detach(|| match &model_path {
            Some(p) => spamsplice::Detector::load(p).map(Inner::Owned).map_err(|e| ("cannot use the model", e)),
            None => spamsplice::Detector::embedded()
                .map(Inner::Embedded)
                .map_err(|e| ("cannot use the embedded model", e)),
        });
        let mut inner = inner.map_err(|(ctx, e)| to_py_err(ctx, e))?;
        if let Some(t) = threshold {
            let mut d = inner.get().clone();
            d.set_threshold(t);
            inner = Inner::Owned(d);
        }
        Ok(PyDetector { inner, model_path, threshold })
    }

    /// The model file this detector was loaded from, or None for the embedded model.
    #[getter]
    fn model_path(&self) -> Option<String> {
        self.model_path.as_ref().map(|p| p.display().to_string())
    }

    /// The threshold override given to the constructor, or None for the model's own.
    #[getter]
    fn threshold(&self) -> Option<f64> {
        self.threshold.map(|t| t as f64)
    }

    /// Returns ``text`` with the injected fragments spliced out (the same
    /// object when nothing was found).
    ///
    /// ``memory``: a corpus :class:`Memory` (``Detector.remember``) to judge
    /// the text with, as ``spamsplice filter --campaign`` / ``--memory`` do.
    /// ``repair``: then read Korean that is CP949 mojibake behind Latin-1
    /// back to its Hangul, as ``filter --repair-mojibake`` does.
    #[pyo3(signature = (text, /, memory=None, *, repair=false))]
    fn clean(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        memory: Option<Bound<'_, PyMemory>>,
        repair: bool,
    ) -> PyResult<Py<PyAny>> {
        let s = text_arg(text, "Detector.clean() argument")?;
        let det = self.inner.get();
        let mem = self.memory_arg(&memory)?;
        let out: Option<String> = py.detach(|| clean_text(det, mem, &s, repair));
        Ok(match out {
            Some(t) => PyString::new(py, &t).into_any().unbind(),
            None => text.clone().unbind(),
        })
    }

    /// Returns ``(cleaned, spans)``: the cleaned text and the removed spans
    /// as ``(start, end, score)`` in code-point offsets of ``text``, so
    /// ``text[start:end]`` is exactly what was removed.
    /// ``memory`` and ``repair`` as for ``clean`` (the spans stay the removed
    /// ones).
    #[pyo3(signature = (text, /, memory=None, *, repair=false))]
    fn clean_with_spans<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyAny>,
        memory: Option<Bound<'py, PyMemory>>,
        repair: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let s = text_arg(text, "Detector.clean_with_spans() argument")?;
        let det = self.inner.get();
        let mem = self.memory_arg(&memory)?;
        let out = py.detach(|| cleaned_with_spans(det, mem, &s, repair));
        let (cleaned, spans) = match out {
            Some((t, spans)) => (PyString::new(py, &t).into_any(), spans),
            None => (text.clone(), Vec::new()),
        };
        let spans = PyList::new(py, spans)?;
        PyTuple::new(py, [cleaned, spans.into_any()])
    }

    /// Cleans many texts in parallel, without the GIL; returns the cleaned
    /// texts in input order (unchanged ones as the same objects).
    ///
    /// ``threads``: worker threads; None or 0 for one per core, 1 to work in
    /// the calling thread only. ``memory`` and ``repair`` as for ``clean``.
    #[pyo3(signature = (texts, /, threads=None, *, memory=None, repair=false))]
    fn clean_batch<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threads: Option<i64>,
        memory: Option<Bound<'py, PyMemory>>,
        repair: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let (objs, strs, threads) = batch_args(texts, threads, "clean_batch")?;
        let det = self.inner.get();
        let mem = self.memory_arg(&memory)?;
        let outs = par_map(py, threads, &strs, |s| clean_text(det, mem, s, repair))?;
        let items = objs.into_iter().zip(outs).map(|(o, out)| match out {
            Some(t) => PyString::new(py, &t).into_any(),
            None => o,
        });
        PyList::new(py, items)
    }

    /// Like ``clean_batch``, but returns ``(cleaned, spans)`` per text, as
    /// ``clean_with_spans`` does. ``repair``: the cleaned text is then
    /// repaired as ``clean(..., repair=True)`` does; the spans are still the
    /// removed ones, in code points of ``text`` (the datatrove step's
    /// ``repair_mojibake``).
    #[pyo3(signature = (texts, /, threads=None, *, memory=None, repair=false))]
    fn clean_batch_with_spans<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threads: Option<i64>,
        memory: Option<Bound<'py, PyMemory>>,
        repair: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let (objs, strs, threads) = batch_args(texts, threads, "clean_batch_with_spans")?;
        let det = self.inner.get();
        let mem = self.memory_arg(&memory)?;
        let outs = par_map(py, threads, &strs, |s| cleaned_with_spans(det, mem, s, repair))?;
        let mut items = Vec::with_capacity(objs.len());
        for (o, out) in objs.into_iter().zip(outs) {
            let (text, spans) = match out {
                Some((t, spans)) => (PyString::new(py, &t).into_any(), PyList::new(py, spans)?),
                None => (o, PyList::empty(py)),
            };
            items.push(PyTuple::new(py, [text, spans.into_any()])?);
        }
        PyList::new(py, items)
    }

    /// The model's fingerprint, which every :class:`Memory` it makes carries.
    #[getter]
    fn fingerprint(&self) -> u64 {
        self.inner.get().fingerprint()
    }

    /// Remembers the words ``texts`` carry (one round of the corpus memory,
    /// as ``spamsplice remember`` does): without ``first_round`` the first
    /// round, each text's words where the model is sure of them; with the
    /// whole corpus's first-round memory, the second round, each text's
    /// words as the campaign stage judges them given that memory. Memories
    /// of the shards of a corpus add up (``sum(memories)``) to the memory
    /// of the whole. ``threads`` as for ``clean_batch``.
    #[pyo3(signature = (texts, /, first_round=None, threads=None))]
    fn remember(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        first_round: Option<Bound<'_, PyMemory>>,
        threads: Option<i64>,
    ) -> PyResult<PyMemory> {
        let (_, strs, threads) = batch_args(texts, threads, "remember")?;
        let det = self.inner.get();
        let first = self.memory_arg(&first_round)?;
        let words = par_map(py, threads, &strs, |s| match first {
            Some(m) => det.campaign_words_with(s, &m.campaign),
            None => det.campaign_words(s),
        })?;
        let campaign = py.detach(|| {
            let mut campaign = spamsplice::Campaign::default();
            for w in &words {
                campaign.add(w);
            }
            campaign
        });
        Ok(PyMemory { campaign, model: det.fingerprint() })
    }

    fn __repr__(&self) -> String {
        let mut s = match &self.model_path {
            Some(p) => format!("Detector({:?}", p.display().to_string()),
            None => "Detector(".to_string(),
        };
        if let Some(t) = self.threshold {
            if self.model_path.is_some() {
                s.push_str(", ");
            }
            s.push_str(&format!("threshold={t}"));
        }
        s.push(')');
        s
    }

    /// Pickles as ``Detector(model_path, threshold=threshold)``.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Option<String>, Option<f64>))> {
        let me = slf.get();
        let restore = slf.py().import("spamsplice")?.getattr("_restore_detector")?;
        Ok((restore, (me.model_path(), me.threshold())))
    }
}

impl PyDetector {
    /// The memory argument, refused when another model made it.
    fn memory_arg<'a>(&self, memory: &'a Option<Bound<'_, PyMemory>>) -> PyResult<Option<&'a PyMemory>> {
        let Some(m) = memory else { return Ok(None) };
        let m = m.get();
        let mine = self.inner.get().fingerprint();
        if m.model != mine {
            return Err(PyValueError::new_err(format!(
                "memory made with another model (fingerprint {:016x}; this detector's is {mine:016x}): \
                 remember the corpus again with this model",
                m.model
            )));
        }
        Ok(Some(m))
    }
}

/// Cleans one text, with the corpus memory when there is one (the CLI's
/// `filter --campaign` / `--memory` cleaning pass).
/// The cleaned (and, with `repair`, repaired) text with the removed spans as
/// `(start, end, score)` in code points of `s`, or None when nothing changed.
fn cleaned_with_spans(
    det: &spamsplice::Detector,
    mem: Option<&PyMemory>,
    s: &str,
    repair: bool,
) -> Option<(String, Vec<(usize, usize, f64)>)> {
    let c = clean_one(det, mem, s);
    let repaired = if repair {
        let r = det.repair(&c.text);
        r.changed().then_some(r.text)
    } else {
        None
    };
    (c.changed() || repaired.is_some()).then(|| {
        let offs = spamsplice::char_offsets(s, &c.spans);
        let spans = offs.iter().zip(&c.spans).map(|(&(a, b), sp)| (a, b, sp.score as f64)).collect();
        (repaired.unwrap_or_else(|| c.text.into_owned()), spans)
    })
}

/// The cleaned (and, with `repair`, repaired) text, or None when neither
/// changed anything.
fn clean_text(det: &spamsplice::Detector, mem: Option<&PyMemory>, s: &str, repair: bool) -> Option<String> {
    let c = clean_one(det, mem, s);
    if repair {
        let r = det.repair(&c.text);
        if r.changed() {
            return Some(r.text);
        }
    }
    c.changed().then(|| c.text.into_owned())
}

fn clean_one<'a>(det: &spamsplice::Detector, mem: Option<&PyMemory>, s: &'a str) -> spamsplice::Cleaned<'a> {
    match mem {
        Some(m) => det.clean_with(s, &m.campaign),
        None => det.clean(s),
    }
}

/// A corpus memory: what a corpus teaches about its own spam
/// (``spamsplice::Campaign``), with the fingerprint of the model that made it.
///
/// Made by ``Detector.remember``; memories of the same model add up
/// (``a + b``, ``sum(memories)``), as the CLI's ``remember --memory`` adds
/// memory files. ``to_bytes()`` is the CLI's memory file format
/// (``spamsplice remember -o FILE`` writes the same bytes), read back by
/// ``Memory.from_bytes``; a Memory pickles as its bytes. Immutable.
#[pyclass(name = "Memory", module = "spamsplice", frozen)]
struct PyMemory {
    campaign: spamsplice::Campaign,
    model: u64,
}

#[pymethods]
impl PyMemory {
    /// The fingerprint of the model that made this memory (``Detector.fingerprint``).
    #[getter]
    fn fingerprint(&self) -> u64 {
        self.model
    }

    /// The memory file's bytes (as ``spamsplice remember -o`` writes them):
    /// the same memory gives the same bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let bytes = py
            .detach(|| self.campaign.to_bytes(self.model))
            .map_err(|e| PyOSError::new_err(format!("cannot serialize the memory: {e}")))?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }

    /// Reads ``to_bytes()`` (or a file written by ``spamsplice remember``);
    /// damaged bytes raise ValueError saying what is wrong.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<PyMemory> {
        let (campaign, model) = py
            .detach(|| spamsplice::Campaign::from_bytes(data))
            .map_err(|reason| PyValueError::new_err(format!("not a usable spamsplice memory: {reason}")))?;
        Ok(PyMemory { campaign, model })
    }

    fn __add__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.sum_with(py, other)
    }

    fn __radd__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.sum_with(py, other)
    }

    /// Equal when made by the same model and holding the same counts.
    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let Ok(other) = other.cast::<PyMemory>() else {
            return Ok(py.NotImplemented());
        };
        let other = other.get();
        if other.model != self.model {
            return Ok(false.into_pyobject(py)?.to_owned().into_any().unbind());
        }
        let eq = py.detach(|| {
            let a = self.campaign.to_bytes(self.model);
            let b = other.campaign.to_bytes(other.model);
            matches!((a, b), (Ok(a), Ok(b)) if a == b)
        });
        Ok(eq.into_pyobject(py)?.to_owned().into_any().unbind())
    }

    fn __repr__(&self) -> String {
        format!("<spamsplice.Memory of model {:016x}>", self.model)
    }

    /// Pickles as its bytes.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, pyo3::types::PyBytes>,))> {
        let py = slf.py();
        let restore = py.import("spamsplice")?.getattr("_restore_memory")?;
        Ok((restore, (slf.get().to_bytes(py)?,)))
    }
}

impl PyMemory {
    /// `self + other`: another memory of the same model, or 0 (so `sum()` works).
    fn sum_with(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Ok(m) = other.cast::<PyMemory>() {
            let m = m.get();
            if m.model != self.model {
                return Err(PyValueError::new_err(format!(
                    "cannot add memories of different models (fingerprints {:016x} and {:016x})",
                    self.model, m.model
                )));
            }
            let campaign = py.detach(|| {
                let mut c = self.campaign.clone();
                c.merge(&m.campaign);
                c
            });
            return Ok(Py::new(py, PyMemory { campaign, model: self.model })?.into_any());
        }
        if other.extract::<i64>().is_ok_and(|n| n == 0) && !other.is_instance_of::<pyo3::types::PyBool>() {
            let campaign = py.detach(|| self.campaign.clone());
            return Ok(Py::new(py, PyMemory { campaign, model: self.model })?.into_any());
        }
        Ok(py.NotImplemented())
    }
}

/// The native module; the public API is re-exported by `spamsplice/__init__.py`.
#[pymodule]
fn _spamsplice(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDetector>()?;
    m.add_class::<PyMemory>()?;
    m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
    m.add("ModelError", m.py().get_type::<ModelError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

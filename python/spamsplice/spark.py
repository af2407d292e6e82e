"""spamsplice as a Spark stage: ``mapPartitions`` with one Detector per partition.

Two ways in, both used inside ``mapPartitions`` so a partition's records are
cleaned in batches by one native call (without the GIL) and the model is loaded
once per partition, never per record:

**JSONL lines** (any schema; every field other than ``field`` is kept, in its
order)::

    from pyspark.sql import SparkSession
    from spamsplice.spark import clean_jsonl_partition

    spark = SparkSession.builder.appName("spamsplice").getOrCreate()
    lines = spark.sparkContext.textFile("in/*.jsonl")          # .gz works too
    lines.mapPartitions(clean_jsonl_partition).saveAsTextFile("out")

Each output line is the input record with ``text`` cleaned: the same record
(as JSON) that ``spamsplice filter --format jsonl`` writes. The part files of
``out/`` in order hold the records in input order. Options go through
``functools.partial(clean_jsonl_partition, field="body", model_path=...)``.

**DataFrames**::

    from spamsplice.spark import clean_dataframe

    df = spark.read.json("in/*.jsonl")
    clean_dataframe(df, spans_column="spamsplice_spans").write.json("out")

**spark-submit**: :func:`main` is a complete job; ``python/examples/spark_job.py``
in the repository calls it. Locally::

    spark-submit --master local[2] python/examples/spark_job.py 'in/*.jsonl' out

On a cluster every executor needs the wheel. Either install it on every node
(``pip install spamsplice-*.whl``), or ship a packed virtualenv (a wheel with
a native module cannot go through ``--py-files``)::

    python -m venv env && env/bin/pip install dist/spamsplice-*.whl venv-pack
    env/bin/venv-pack -o env.tar.gz
    PYSPARK_PYTHON=./env/bin/python spark-submit --master yarn --deploy-mode cluster \
        --archives env.tar.gz#env python/examples/spark_job.py \
        'hdfs:///corpus/*.jsonl.gz' hdfs:///corpus-clean --gzip

The default model is inside the wheel. For a model file of your own, ship it
with ``--files my.model`` and pass ``--model my.model``: a path that does not
exist on the executor is looked up among the files Spark shipped
(``SparkFiles``).

Each Spark task cleans with ``threads=1`` by default: Spark already runs one
task per core. Raise it together with ``spark.task.cpus``.

**The corpus memory** (``spark_job.py --campaign``, :func:`campaign`): round 1
is a ``mapPartitions`` that gives one memory per partition, reduced by
``treeReduce`` and broadcast as bytes; round 2 is the same, reading round 1's
sum; then the cleaning pass reads round 2's. The output equals ``spamsplice
filter --campaign`` over the same files, whatever the partitioning. Bounds per
partition: one Detector (about 80 MB resident) and one memory, which is a
fixed 16 MB table of counts plus the words the model was sure of (a
campaign's names and their heads; a memory of 6.7 MB of Korean news is a
361 KB file). Time is linear in the partition's records: each round scores
every record once. A ``treeReduce`` step holds two memories at a time.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any, Iterable, Iterator, List, Optional

from . import Detector, Memory

__all__ = [
    "campaign",
    "clean_jsonl_partition",
    "clean_rows_partition",
    "clean_dataframe",
    "get_detector",
    "main",
    "remember_dataframe",
    "remember_jsonl_partition",
    "remember_rows_partition",
]


@lru_cache(maxsize=4)
def get_detector(model_path: Optional[str] = None, threshold: Optional[float] = None) -> Detector:
    """The Detector for these arguments, loaded once per Python worker process
    (Spark reuses its Python workers across tasks, so partitions share it)."""
    if model_path is not None and not os.path.exists(model_path):
        shipped = _shipped_file(os.path.basename(model_path))
        if shipped is not None:
            model_path = shipped
    return Detector(model_path, threshold=threshold)


@lru_cache(maxsize=2)
def _memory_from_bytes(data: bytes) -> Memory:
    """A memory read once per Python worker process and broadcast value."""
    return Memory.from_bytes(data)


def _memory_of(memory) -> Optional[Memory]:
    """A memory argument as a :class:`Memory`: a Memory, its bytes, or a
    Spark broadcast of either (read in the worker, cached per process)."""
    if memory is None or isinstance(memory, Memory):
        return memory
    if isinstance(memory, (bytes, bytearray, memoryview)):
        return _memory_from_bytes(bytes(memory))
    if hasattr(memory, "value"):  # pyspark.Broadcast
        return _memory_of(memory.value)
    raise TypeError(f"memory must be a spamsplice.Memory, its bytes or a broadcast of them, not {type(memory).__name__}")


def _shipped_file(name: str) -> Optional[str]:
    """The path of a file shipped with ``spark-submit --files``, if any."""
    try:
        from pyspark import SparkFiles

        path = SparkFiles.get(name)
    except Exception:
        return None
    return path if os.path.exists(path) else None


def _batches(it: Iterable[Any], size: int) -> Iterator[List[Any]]:
    batch: List[Any] = []
    for x in it:
        batch.append(x)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _get(record: dict, path: List[str]):
    for key in path[:-1]:
        record = record.get(key) if isinstance(record, dict) else None
    return record.get(path[-1]) if isinstance(record, dict) else None


def _set(record: dict, path: List[str], value) -> None:
    for key in path[:-1]:
        record = record[key]
    record[path[-1]] = value


def _one_by_one(detector: Detector, texts: List[str], on_error: str, memory=None):
    for t in texts:
        try:
            yield detector.clean_with_spans(t, memory=memory)
        except UnicodeEncodeError as e:
            if on_error == "fail":
                raise ValueError(f"bad JSONL record: a lone surrogate escape in the text ({e})") from None
            yield None, None


def _parse_batch(batch: List[str], path: List[str], field: str, on_error: str):
    """The records of a batch of JSONL lines, the texts to clean and the
    indices of the bad lines (their record: the line under ``pass``, None)."""
    records, texts, bad = [], [], []
    for i, line in enumerate(batch):
        try:
            rec = json.loads(line)
        except ValueError as e:
            rec, why = None, f"not JSON ({e})"
        else:
            why = "not a JSON object" if not isinstance(rec, dict) else None
        if rec is not None and why is None:
            value = _get(rec, path)
            if not isinstance(value, str):
                why = f"no string at `{field}`"
        if why is not None:
            if on_error == "fail":
                raise ValueError(f"bad JSONL record: {why}: {line[:200]!r}")
            bad.append(i)
            records.append(line if on_error == "pass" else None)
            continue
        records.append(rec)
        texts.append(value)
    return records, texts, bad


def clean_jsonl_partition(
    lines: Iterable[str],
    field: str = "text",
    model_path: Optional[str] = None,
    threshold: Optional[float] = None,
    spans_field: Optional[str] = None,
    batch_size: int = 512,
    threads: int = 1,
    on_error: str = "fail",
    memory=None,
) -> Iterator[str]:
    """Cleans a partition of JSONL lines (for ``rdd.mapPartitions``).

    Args:
        lines: JSON objects, one per string (as ``sc.textFile`` gives them).
        field: the string to clean; a dotted path such as ``metadata.body``
            reaches into nested objects (as the CLI's ``--field``).
        model_path, threshold: as for :class:`spamsplice.Detector`.
        spans_field: if set, each record gets this top-level key with the
            removed spans as ``[[start, end, score], ...]`` (code points).
        batch_size: records per native call.
        threads: native worker threads per task (1: Spark's own parallelism).
        on_error: a line that is not a JSON object or has no string at
            ``field``: ``"fail"`` raises ValueError, ``"pass"`` writes it
            through unchanged, ``"skip"`` leaves it out (as the CLI's
            ``--on-error``). Blank lines are left out.
        memory: the corpus memory to clean with (the campaign's second
            round, see :func:`campaign`): a :class:`spamsplice.Memory`, its
            bytes, or a Spark broadcast of either.

    Yields:
        The records as JSON lines (non-ASCII written as is); unchanged
        records are re-serialized too, so compare records, not bytes.
    """
    if on_error not in ("fail", "pass", "skip"):
        raise ValueError(f"on_error must be 'fail', 'pass' or 'skip', not {on_error!r}")
    path = field.split(".")
    if any(not p for p in path):
        raise ValueError(f"invalid field {field!r}: use a name or a dotted path such as metadata.body")
    detector = get_detector(model_path, threshold)
    memory = _memory_of(memory)
    for batch in _batches((ln for ln in lines if ln.strip()), batch_size):
        records, texts, bad = _parse_batch(batch, path, field, on_error)
        try:
            results = iter(detector.clean_batch_with_spans(texts, threads=threads, memory=memory))
        except UnicodeEncodeError:
            # a lone surrogate escape (\ud800) somewhere: find it, as the CLI would
            results = iter(_one_by_one(detector, texts, on_error, memory))
        bad_set = set(bad)
        for i, rec in enumerate(records):
            if i in bad_set:
                if rec is not None:
                    yield rec
                continue
            text, spans = next(results)
            if spans is None:  # a text no UTF-8 can hold, under on_error pass/skip
                if on_error == "pass":
                    yield batch[i]
                continue
            _set(rec, path, text)
            if spans_field is not None:
                rec[spans_field] = [[a, b, s] for a, b, s in spans]
            yield json.dumps(rec, ensure_ascii=False)


def clean_rows_partition(
    rows: Iterable[Any],
    field: str = "text",
    model_path: Optional[str] = None,
    threshold: Optional[float] = None,
    spans_column: Optional[str] = None,
    batch_size: int = 512,
    threads: int = 1,
    memory=None,
) -> Iterator[tuple]:
    """Cleans a partition of DataFrame ``Row`` objects (for ``df.rdd.mapPartitions``).

    Yields plain tuples in the rows' column order with ``field`` cleaned (a
    null stays null), plus the spans as the last value when ``spans_column``
    is set. :func:`clean_dataframe` wraps this with the right schema.
    ``memory`` as for :func:`clean_jsonl_partition`.
    """
    detector = get_detector(model_path, threshold)
    memory = _memory_of(memory)
    for batch in _batches(rows, batch_size):
        texts = [r[field] for r in batch]
        present = [t for t in texts if t is not None]
        results = iter(detector.clean_batch_with_spans(present, threads=threads, memory=memory))
        for row, t in zip(batch, texts):
            values = list(row)
            idx = row.__fields__.index(field)
            if t is None:
                spans = []
            else:
                values[idx], spans = next(results)
            if spans_column is not None:
                values.append([(a, b, s) for a, b, s in spans])
            yield tuple(values)


def clean_dataframe(
    df,
    field: str = "text",
    model_path: Optional[str] = None,
    threshold: Optional[float] = None,
    spans_column: Optional[str] = None,
    batch_size: int = 512,
    threads: int = 1,
    memory=None,
):
    """Returns ``df`` with the string column ``field`` cleaned, via
    ``df.rdd.mapPartitions`` (one Detector per partition); with
    ``spans_column``, adds an ``array<struct<start:long,end:long,score:double>>``
    column of the removed spans (code points of the original text).

    ``memory``: clean with a corpus memory (``spamsplice filter --memory``):
    a :class:`spamsplice.Memory`, its bytes, or a broadcast of them
    (broadcast it yourself for a large memory); :func:`remember_dataframe`
    makes one over a DataFrame's column."""
    from functools import partial

    from pyspark.sql.types import ArrayType, DoubleType, LongType, StructField, StructType

    if field not in df.columns:
        raise ValueError(f"no column `{field}` (columns: {', '.join(df.columns)})")
    schema = df.schema
    if spans_column is not None:
        span_type = StructType(
            [StructField("start", LongType()), StructField("end", LongType()), StructField("score", DoubleType())]
        )
        schema = StructType(schema.fields + [StructField(spans_column, ArrayType(span_type))])
    fn = partial(
        clean_rows_partition,
        field=field,
        model_path=model_path,
        threshold=threshold,
        spans_column=spans_column,
        batch_size=batch_size,
        threads=threads,
        memory=memory,
    )
    return df.sparkSession.createDataFrame(df.rdd.mapPartitions(fn), schema)


def _remember_texts(detector: Detector, texts: List[str], first_round, threads: int, on_error: str) -> Memory:
    try:
        return detector.remember(texts, first_round=first_round, threads=threads)
    except UnicodeEncodeError as e:
        # a lone surrogate escape: the CLI refuses the record (fail) or leaves it unread
        if on_error == "fail":
            raise ValueError(f"bad JSONL record: a lone surrogate escape in the text ({e})") from None
        good = []
        for t in texts:
            try:
                t.encode("utf-8")
            except UnicodeEncodeError:
                continue
            good.append(t)
        return detector.remember(good, first_round=first_round, threads=threads)


def remember_jsonl_partition(
    lines: Iterable[str],
    field: str = "text",
    model_path: Optional[str] = None,
    threshold: Optional[float] = None,
    first_round=None,
    batch_size: int = 512,
    threads: int = 1,
    on_error: str = "fail",
) -> Iterator[Memory]:
    """One round of the corpus memory over a partition of JSONL lines (for
    ``rdd.mapPartitions``): yields the partition's one :class:`spamsplice.Memory`
    (``spamsplice remember`` over these records). The records read are those
    :func:`clean_jsonl_partition` cleans with the same ``field`` and
    ``on_error``. ``first_round``: the whole corpus's first-round memory (a
    Memory, its bytes or a broadcast of them) for the second round. Add the
    partitions' memories up with ``rdd.treeReduce(operator.add)``."""
    if on_error not in ("fail", "pass", "skip"):
        raise ValueError(f"on_error must be 'fail', 'pass' or 'skip', not {on_error!r}")
    path = field.split(".")
    if any(not p for p in path):
        raise ValueError(f"invalid field {field!r}: use a name or a dotted path such as metadata.body")
    texts = (_parse_batch(b, path, field, on_error)[1] for b in _batches((ln for ln in lines if ln.strip()), batch_size))
    yield _remember_all(model_path, threshold, first_round, texts, lambda d, t, f: _remember_texts(d, t, f, threads, on_error))


def remember_rows_partition(
    rows: Iterable[Any],
    field: str = "text",
    model_path: Optional[str] = None,
    threshold: Optional[float] = None,
    first_round=None,
    batch_size: int = 512,
    threads: int = 1,
) -> Iterator[Memory]:
    """Like :func:`remember_jsonl_partition`, over DataFrame rows (a null
    ``field`` is not read)."""
    texts = ([r[field] for r in batch if r[field] is not None] for batch in _batches(rows, batch_size))
    yield _remember_all(model_path, threshold, first_round, texts, lambda d, t, f: d.remember(t, first_round=f, threads=threads))


def _remember_all(model_path, threshold, first_round, batches, remember) -> Memory:
    """The sum of ``remember(detector, texts, first)`` over the batches of
    texts: one partition's memory."""
    detector = get_detector(model_path, threshold)
    first = _memory_of(first_round)
    memory = detector.remember([], first_round=first)
    for texts in batches:
        memory = memory + remember(detector, texts, first)
    return memory


def _reduce(memories):
    import operator

    # an RDD's partitions always exist; an RDD of no partitions has no memory
    if memories.getNumPartitions() == 0:
        raise ValueError("no partitions to remember")
    return memories.treeReduce(operator.add)


def campaign(lines, timings: Optional[dict] = None, **options) -> Memory:
    """The corpus memory of ``spamsplice filter --campaign`` over an RDD of
    JSONL lines: round 1 (one memory per partition, ``treeReduce``), its sum
    broadcast, round 2 the same way given it. Returns the second round's
    memory, to clean with (``clean_jsonl_partition(..., memory=...)``,
    broadcast). ``options``: ``field``, ``model_path``, ``threshold``,
    ``batch_size``, ``threads``, ``on_error`` of
    :func:`remember_jsonl_partition`. ``timings``: a dict that gets the
    seconds of ``round1`` and ``round2``."""
    import time
    from functools import partial

    sc = lines.context
    t0 = time.perf_counter()
    first = _reduce(lines.mapPartitions(partial(remember_jsonl_partition, **options)))
    t1 = time.perf_counter()
    first_bc = sc.broadcast(first.to_bytes())
    try:
        second = _reduce(lines.mapPartitions(partial(remember_jsonl_partition, first_round=first_bc, **options)))
    finally:
        first_bc.unpersist()
    t2 = time.perf_counter()
    if timings is not None:
        timings["round1"], timings["round2"] = t1 - t0, t2 - t1
    return second


def remember_dataframe(
    df,
    field: str = "text",
    model_path: Optional[str] = None,
    threshold: Optional[float] = None,
    first_round=None,
    batch_size: int = 512,
    threads: int = 1,
) -> Memory:
    """One round of the corpus memory over ``df``'s column ``field``: the sum
    of one memory per partition (``treeReduce``). Both rounds::

        first = remember_dataframe(df)
        memory = remember_dataframe(df, first_round=spark.sparkContext.broadcast(first.to_bytes()))
        clean_dataframe(df, memory=spark.sparkContext.broadcast(memory.to_bytes()))
    """
    from functools import partial

    if field not in df.columns:
        raise ValueError(f"no column `{field}` (columns: {', '.join(df.columns)})")
    fn = partial(
        remember_rows_partition,
        field=field,
        model_path=model_path,
        threshold=threshold,
        first_round=first_round,
        batch_size=batch_size,
        threads=threads,
    )
    return _reduce(df.rdd.mapPartitions(fn))


def main(argv: Optional[List[str]] = None) -> int:
    """A spark-submit job: JSONL files in, the cleaned records as JSONL part files out."""
    import argparse

    ap = argparse.ArgumentParser(
        prog="spark_job.py",
        description="Clean JSONL records with spamsplice on Spark (mapPartitions, one Detector per partition).",
    )
    ap.add_argument("input", help="JSONL path(s) or glob Spark can read (file://, hdfs://, s3a://; .gz works)")
    ap.add_argument("output", help="output folder (must not exist): part-NNNNN files, in input order")
    ap.add_argument("--field", default="text", help="the string to clean; a dotted path reaches into objects")
    ap.add_argument("--model", help="model file on every executor, or shipped with --files (default: embedded)")
    ap.add_argument("--threshold", type=float, help="one token threshold instead of the model's")
    ap.add_argument("--spans-field", help="add this key with the removed spans [[start, end, score], ...]")
    ap.add_argument("--on-error", choices=["fail", "pass", "skip"], default="fail", help="bad lines (default fail)")
    ap.add_argument("--partitions", type=int, help="minimum number of partitions to read into")
    ap.add_argument("--threads", type=int, default=1, help="native threads per task (default 1)")
    ap.add_argument("--gzip", action="store_true", help="write gzip-compressed part files")
    mem = ap.add_mutually_exclusive_group()
    mem.add_argument(
        "--campaign",
        action="store_true",
        help="the corpus memory of `spamsplice filter --campaign`: two rounds over the input (one memory per "
        "partition, treeReduce, broadcast), then the cleaning pass with it; prints each pass's seconds",
    )
    mem.add_argument(
        "--memory",
        action="append",
        metavar="PATH",
        help="clean with memory files of `spamsplice remember` (repeat: they are added up), on the driver",
    )
    args = ap.parse_args(argv)

    from functools import partial

    from pyspark.sql import SparkSession

    import sys
    import time

    spark = SparkSession.builder.appName("spamsplice").getOrCreate()
    try:
        sc = spark.sparkContext
        lines = sc.textFile(args.input, args.partitions) if args.partitions else sc.textFile(args.input)
        common = dict(field=args.field, model_path=args.model, threshold=args.threshold, threads=args.threads)
        timings: dict = {}
        memory = None
        if args.campaign:
            memory = campaign(lines, timings=timings, on_error=args.on_error, **common)
        elif args.memory:
            detector = get_detector(args.model, args.threshold)
            for p in args.memory:
                with open(p, "rb") as f:
                    m = Memory.from_bytes(f.read())
                if m.fingerprint != detector.fingerprint:
                    raise SystemExit(f"spark_job.py: memory {p}: made with another model: remember the corpus again with this model")
                memory = m if memory is None else memory + m
        memory_bc = sc.broadcast(memory.to_bytes()) if memory is not None else None
        stage = partial(clean_jsonl_partition, spans_field=args.spans_field, on_error=args.on_error, memory=memory_bc, **common)
        codec = "org.apache.hadoop.io.compress.GzipCodec" if args.gzip else None
        t0 = time.perf_counter()
        lines.mapPartitions(stage).saveAsTextFile(args.output, codec)
        timings["clean"] = time.perf_counter() - t0
        if args.campaign:
            print(
                "spamsplice campaign: round 1 {round1:.2f} s, round 2 {round2:.2f} s, clean {clean:.2f} s".format(**timings),
                file=sys.stderr,
            )
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())

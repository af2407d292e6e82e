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
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any, Iterable, Iterator, List, Optional

from . import Detector

__all__ = ["clean_jsonl_partition", "clean_rows_partition", "clean_dataframe", "get_detector", "main"]


@lru_cache(maxsize=4)
def get_detector(model_path: Optional[str] = None, threshold: Optional[float] = None) -> Detector:
    """The Detector for these arguments, loaded once per Python worker process
    (Spark reuses its Python workers across tasks, so partitions share it)."""
    if model_path is not None and not os.path.exists(model_path):
        shipped = _shipped_file(os.path.basename(model_path))
        if shipped is not None:
            model_path = shipped
    return Detector(model_path, threshold=threshold)


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


def _one_by_one(detector: Detector, texts: List[str], on_error: str):
    for t in texts:
        try:
            yield detector.clean_with_spans(t)
        except UnicodeEncodeError as e:
            if on_error == "fail":
                raise ValueError(f"bad JSONL record: a lone surrogate escape in the text ({e})") from None
            yield None, None


def clean_jsonl_partition(
    lines: Iterable[str],
    field: str = "text",
    model_path: Optional[str] = None,
    threshold: Optional[float] = None,
    spans_field: Optional[str] = None,
    batch_size: int = 512,
    threads: int = 1,
    on_error: str = "fail",
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
    for batch in _batches((ln for ln in lines if ln.strip()), batch_size):
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
        try:
            results = iter(detector.clean_batch_with_spans(texts, threads=threads))
        except UnicodeEncodeError:
            # a lone surrogate escape (\ud800) somewhere: find it, as the CLI would
            results = iter(_one_by_one(detector, texts, on_error))
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
) -> Iterator[tuple]:
    """Cleans a partition of DataFrame ``Row`` objects (for ``df.rdd.mapPartitions``).

    Yields plain tuples in the rows' column order with ``field`` cleaned (a
    null stays null), plus the spans as the last value when ``spans_column``
    is set. :func:`clean_dataframe` wraps this with the right schema.
    """
    detector = get_detector(model_path, threshold)
    for batch in _batches(rows, batch_size):
        texts = [r[field] for r in batch]
        present = [t for t in texts if t is not None]
        results = iter(detector.clean_batch_with_spans(present, threads=threads))
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
):
    """Returns ``df`` with the string column ``field`` cleaned, via
    ``df.rdd.mapPartitions`` (one Detector per partition); with
    ``spans_column``, adds an ``array<struct<start:long,end:long,score:double>>``
    column of the removed spans (code points of the original text)."""
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
    )
    return df.sparkSession.createDataFrame(df.rdd.mapPartitions(fn), schema)


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
    args = ap.parse_args(argv)

    from functools import partial

    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("spamsplice").getOrCreate()
    try:
        sc = spark.sparkContext
        lines = sc.textFile(args.input, args.partitions) if args.partitions else sc.textFile(args.input)
        stage = partial(
            clean_jsonl_partition,
            field=args.field,
            model_path=args.model,
            threshold=args.threshold,
            spans_field=args.spans_field,
            threads=args.threads,
            on_error=args.on_error,
        )
        codec = "org.apache.hadoop.io.compress.GzipCodec" if args.gzip else None
        lines.mapPartitions(stage).saveAsTextFile(args.output, codec)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())

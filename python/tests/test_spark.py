"""The Spark stage in local mode with two workers: JSONL in, mapPartitions with
one Detector per partition, JSONL out; equal to the CLI record for record."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("pyspark")

from spamsplice.spark import clean_dataframe, clean_jsonl_partition  # noqa: E402


def _java_ok() -> bool:
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        return False
    try:
        return subprocess.run(["java", "-version"], capture_output=True).returncode == 0
    except OSError:
        return bool(os.environ.get("JAVA_HOME"))


pytestmark = pytest.mark.skipif(not _java_ok(), reason="Spark needs Java (java -version fails)")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from pyspark.sql import SparkSession

    # the workers must run this interpreter, where the wheel is installed
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    # loopback only
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    # Spark's Python workers start as `python -m pyspark.daemon` in the JVM's
    # working directory: from python/ the source folder spamsplice/ (no
    # native module) would shadow the installed wheel, so start elsewhere.
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("spark-cwd"))
    session = (
        SparkSession.builder.master("local[2]")
        .appName("spamsplice-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .config("spark.local.dir", str(tmp_path_factory.mktemp("spark-local")))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    os.chdir(cwd)
    yield session
    session.stop()


def read_parts(folder) -> list[str]:
    lines = []
    for f in sorted(folder.glob("part-*")):
        lines += f.read_text(encoding="utf-8").splitlines()
    return lines


def test_jsonl_stage_equals_cli_record_for_record(spark, tmp_path, jsonl_dir, model_path, cli_output):
    lines = spark.sparkContext.textFile(str(jsonl_dir / "*.jsonl"), minPartitions=2)
    assert lines.getNumPartitions() >= 2
    stage = functools.partial(clean_jsonl_partition, model_path=model_path)
    out = tmp_path / "out"
    lines.mapPartitions(stage).saveAsTextFile(str(out))

    got = [json.loads(ln) for ln in read_parts(out)]
    # same records, same order, every field equal (text cleaned, the rest as it was)
    assert got == cli_output["records"]


def test_jsonl_stage_records_spans(spark, tmp_path, jsonl_dir, model_path, cli_output):
    lines = spark.sparkContext.textFile(str(jsonl_dir / "*.jsonl"), minPartitions=2)
    stage = functools.partial(clean_jsonl_partition, model_path=model_path, spans_field="spans")
    got = [json.loads(ln) for ln in lines.mapPartitions(stage).collect()]
    for rec in got:
        want = cli_output["spans"][rec["id"]]
        assert [s[:2] for s in rec["spans"]] == [s[:2] for s in want]


def test_dataframe_stage_equals_cli(spark, jsonl_dir, model_path, cli_output):
    df = spark.read.json(str(jsonl_dir / "*.jsonl")).repartition(2)
    cleaned = clean_dataframe(df, model_path=model_path, spans_column="spamsplice_spans")
    assert cleaned.columns == df.columns + ["spamsplice_spans"]
    rows = cleaned.collect()
    assert len(rows) == len(cli_output["records"])
    for row in rows:
        want = cli_output["by_id"][row["id"]]
        assert row["text"] == want["text"], row["id"]
        assert [(s["start"], s["end"]) for s in row["spamsplice_spans"]] == [
            tuple(s[:2]) for s in cli_output["spans"][row["id"]]
        ]


def test_bad_lines(model_path):
    # runs in the driver: the partition function is plain Python
    lines = ['{"text": "ok"}', "not json", '{"no_text": 1}', "[1, 2]", ""]
    stage = functools.partial(clean_jsonl_partition, model_path=model_path)
    with pytest.raises(ValueError, match="bad JSONL record: not JSON"):
        list(stage(lines))
    assert list(stage(lines, on_error="skip")) == ['{"text": "ok"}']
    assert list(stage(lines, on_error="pass")) == lines[:4]
    assert list(stage(['{"text": "a \\ud800 b"}', '{"text": "ok"}'], on_error="skip")) == ['{"text": "ok"}']
    nested = list(stage(['{"meta": {"body": "plain"}, "x": 1}'], field="meta.body"))
    assert json.loads(nested[0]) == {"meta": {"body": "plain"}, "x": 1}


def test_spark_submit_job(tmp_path, jsonl_dir, model_path, cli_output):
    # the README's cluster recipe, run in local mode: spark-submit + the job script
    import pyspark
    from pathlib import Path

    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    job = Path(__file__).resolve().parents[1] / "examples" / "spark_job.py"
    out = tmp_path / "out"
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    (tmp_path / "cwd").mkdir()
    p = subprocess.run(
        [
            str(submit), "--master", "local[2]", "--conf", "spark.ui.enabled=false",
            "--conf", f"spark.local.dir={tmp_path / 'local'}",
            # the model shipped as the cluster recipe ships it: --files, then its name
            "--files", model_path,
            str(job), str(jsonl_dir / "*.jsonl"), str(out), "--model", Path(model_path).name, "--partitions", "2", "--gzip",
        ],
        env=env, cwd=tmp_path / "cwd", capture_output=True, text=True,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    import gzip

    got = []
    for f in sorted(out.glob("part-*.gz")):
        got += [json.loads(ln) for ln in gzip.open(f, "rt", encoding="utf-8").read().splitlines()]
    assert got == cli_output["records"]

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


def spark_submit(tmp_path, spark_args: list, job_args: list) -> subprocess.CompletedProcess:
    """python/examples/spark_job.py through spark-submit at local[2], from a
    scratch working folder; fails the test if the job fails."""
    import pyspark
    from pathlib import Path

    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    job = Path(__file__).resolve().parents[1] / "examples" / "spark_job.py"
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    (tmp_path / "cwd").mkdir()
    p = subprocess.run(
        [
            str(submit), "--master", "local[2]", "--conf", "spark.ui.enabled=false",
            "--conf", f"spark.local.dir={tmp_path / 'local'}", *spark_args, str(job), *job_args,
        ],
        env=env, cwd=tmp_path / "cwd", capture_output=True, text=True,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    return p


def test_spark_submit_job(tmp_path, jsonl_dir, model_path, cli_output):
    # the README's cluster recipe, run in local mode: spark-submit + the job script
    from pathlib import Path

    out = tmp_path / "out"
    # the model shipped as the cluster recipe ships it: --files, then its name
    spark_submit(
        tmp_path, ["--files", model_path],
        [str(jsonl_dir / "*.jsonl"), str(out), "--model", Path(model_path).name, "--partitions", "2", "--gzip"],
    )
    import gzip

    got = []
    for f in sorted(out.glob("part-*.gz")):
        got += [json.loads(ln) for ln in gzip.open(f, "rt", encoding="utf-8").read().splitlines()]
    assert got == cli_output["records"]


# --- the corpus memory (filter --campaign) -----------------------------------

from conftest import REPO, SHARED  # noqa: E402

CAMPAIGN_SAMPLE = REPO / "data" / "samples" / "campaign.jsonl"
KO_NEWS = SHARED / "corpora" / "ko_soynlp_news" / "docs.jsonl"


def campaign_files(folder, records) -> list:
    """records as four JSONL files (so ≥4 partitions get work), the last
    written with \\u escapes."""
    folder.mkdir()
    quarter = (len(records) + 3) // 4
    paths = []
    for i in range(4):
        p = folder / f"part{i}.jsonl"
        with open(p, "w", encoding="utf-8") as f:
            for r in records[i * quarter : (i + 1) * quarter]:
                f.write(json.dumps(r, ensure_ascii=(i == 3)) + "\n")
        paths.append(p)
    return paths


def cli_campaign(cli, model_path, paths, out) -> list:
    """What `spamsplice filter --campaign` writes over `paths`, as records in order."""
    subprocess.run(
        [cli, "filter", "--campaign", "--format", "jsonl", "--quiet", "--model", model_path, "-o", str(out), *map(str, paths)],
        check=True,
    )
    return [json.loads(ln) for ln in out.read_text(encoding="utf-8").splitlines()]


def spark_campaign(spark, folder, model_path, out, partitions=4) -> list:
    """The Spark campaign: both rounds over ≥4 partitions, then the cleaning pass."""
    from spamsplice.spark import campaign

    lines = spark.sparkContext.textFile(str(folder / "*.jsonl"), minPartitions=partitions)
    assert lines.getNumPartitions() >= partitions
    timings = {}
    memory = campaign(lines, timings=timings, model_path=model_path)
    assert set(timings) == {"round1", "round2"}
    bc = spark.sparkContext.broadcast(memory.to_bytes())
    stage = functools.partial(clean_jsonl_partition, model_path=model_path, memory=bc)
    lines.mapPartitions(stage).saveAsTextFile(str(out))
    return [json.loads(ln) for ln in read_parts(out)]


def sample_campaign_records(records) -> list:
    brief = [json.loads(ln) for ln in CAMPAIGN_SAMPLE.read_text(encoding="utf-8").splitlines()]
    # the briefs interleaved with the other sample records, ids kept unique
    out = []
    for i, r in enumerate(brief):
        out.append(r)
        if i < len(records):
            out.append(dict(records[i], id="rec-" + records[i]["id"]))
    return out


def test_campaign_equals_cli_filter_campaign(spark, tmp_path, records, model_path, cli):
    paths = campaign_files(tmp_path / "in", sample_campaign_records(records))
    want = cli_campaign(cli, model_path, paths, tmp_path / "cli.jsonl")
    got = spark_campaign(spark, tmp_path / "in", model_path, tmp_path / "out")
    assert got == want
    # the memory matters here: cleaned alone, these four come out otherwise
    alone = [json.loads(ln) for ln in spark.sparkContext.textFile(str(tmp_path / "in" / "*.jsonl"))
             .mapPartitions(functools.partial(clean_jsonl_partition, model_path=model_path)).collect()]
    assert len(alone) == len(want)
    assert [a["id"] for a, b in zip(alone, want) if a != b] == ["rec-doc-012", "rec-doc-014", "brief-25", "brief-26"]


@pytest.mark.skipif(not KO_NEWS.exists(), reason=f"shared corpus not found at {KO_NEWS}")
def test_campaign_on_a_shared_corpus_equals_cli(spark, tmp_path, records, model_path, cli):
    news = [json.loads(ln) for ln in KO_NEWS.read_text(encoding="utf-8").splitlines()]
    news = [{"id": f"ko-{i}", "text": r["text"]} for i, r in enumerate(news)]
    mixed = sample_campaign_records(records)
    # the briefs spread through the news pages
    recs, step = [], max(1, len(news) // len(mixed))
    for i, r in enumerate(news):
        recs.append(r)
        if i % step == 0 and mixed:
            recs.append(mixed.pop(0))
    recs += mixed
    paths = campaign_files(tmp_path / "in", recs)
    want = cli_campaign(cli, model_path, paths, tmp_path / "cli.jsonl")
    got = spark_campaign(spark, tmp_path / "in", model_path, tmp_path / "out", partitions=6)
    assert len(got) == len(recs)
    assert got == want


def test_campaign_dataframe_equals_cli(spark, tmp_path, records, model_path, cli):
    from spamsplice.spark import remember_dataframe

    paths = campaign_files(tmp_path / "in", sample_campaign_records(records))
    want = {r["id"]: r for r in cli_campaign(cli, model_path, paths, tmp_path / "cli.jsonl")}
    df = spark.read.json(str(tmp_path / "in" / "*.jsonl")).repartition(4)
    assert df.rdd.getNumPartitions() == 4
    sc = spark.sparkContext
    first = remember_dataframe(df, model_path=model_path)
    memory = remember_dataframe(df, model_path=model_path, first_round=sc.broadcast(first.to_bytes()))
    rows = clean_dataframe(df, model_path=model_path, memory=sc.broadcast(memory.to_bytes())).collect()
    assert {r["id"]: r["text"] for r in rows} == {i: r["text"] for i, r in want.items()}
    # a Memory passes as it is, too
    rows = clean_dataframe(df, model_path=model_path, memory=memory).collect()
    assert {r["id"]: r["text"] for r in rows} == {i: r["text"] for i, r in want.items()}


def test_spark_submit_campaign_job(tmp_path, records, model_path, cli):
    paths = campaign_files(tmp_path / "in", sample_campaign_records(records))
    want = cli_campaign(cli, model_path, paths, tmp_path / "cli.jsonl")
    out = tmp_path / "out"
    p = spark_submit(
        tmp_path, [], [str(tmp_path / "in" / "*.jsonl"), str(out), "--model", model_path, "--partitions", "8", "--campaign"]
    )
    # spark-submit hands the Python driver's stderr to its stdout
    assert "spamsplice campaign: round 1 " in p.stdout + p.stderr
    assert [json.loads(ln) for ln in read_parts(out)] == want


def test_remember_partition_reads_the_records_clean_reads(model_path):
    # runs in the driver: the partition functions are plain Python
    from spamsplice import Detector
    from spamsplice.spark import remember_jsonl_partition

    briefs = CAMPAIGN_SAMPLE.read_text(encoding="utf-8").splitlines()
    lines = briefs[:10] + ["not json", '{"no_text": 1}', '{"text": "a \\ud800 b"}', ""] + briefs[10:]
    texts = [json.loads(ln)["text"] for ln in briefs]
    det = Detector(model_path)
    want = det.remember(texts)
    stage = functools.partial(remember_jsonl_partition, model_path=model_path, batch_size=4)
    with pytest.raises(ValueError, match="bad JSONL record: not JSON"):
        list(stage(lines))
    for on_error in ("skip", "pass"):
        (got,) = list(stage(lines, on_error=on_error))
        assert got.to_bytes() == want.to_bytes()
    (got,) = list(stage(briefs, first_round=want.to_bytes()))
    assert got.to_bytes() == det.remember(texts, first_round=want).to_bytes()
    (empty,) = list(stage([]))
    assert (empty + want).to_bytes() == want.to_bytes()

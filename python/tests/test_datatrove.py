"""The datatrove step in a LocalPipelineExecutor: JsonlReader -> SpamspliceFilter
-> JsonlWriter, compared with `spamsplice filter --format jsonl`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("datatrove")

from datatrove.data import Document  # noqa: E402
from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from spamsplice.datatrove import SpamspliceFilter  # noqa: E402


def run_pipeline(tmp: Path, jsonl_dir: Path, step: SpamspliceFilter, tasks: int) -> tuple[dict, dict]:
    out, logs = tmp / "out", tmp / "logs"
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(jsonl_dir)),
            step,
            JsonlWriter(str(out), compression=None),
        ],
        tasks=tasks,
        logging_dir=str(logs),
    ).run()
    docs = {}
    for f in sorted(out.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            docs[d["id"]] = d
    stats = json.loads((logs / "stats.json").read_text())
    return docs, stats


def total(stat) -> int:
    # datatrove writes a plain count as an int, other stats as {"total": ..., "mean": ...}
    return stat if isinstance(stat, (int, float)) else stat["total"]


def step_stats(stats, step_name: str) -> dict:
    for s in stats:
        if s["name"] == step_name:
            return s["stats"]
    raise AssertionError(f"no stats for {step_name!r} in {[s['name'] for s in stats]}")


@pytest.mark.parametrize("tasks", [1, 2])
def test_pipeline_output_equals_cli(tmp_path, jsonl_dir, model_path, records, cli_output, tasks):
    step = SpamspliceFilter(model_path=model_path, batch_size=4)
    docs, stats = run_pipeline(tmp_path, jsonl_dir, step, tasks)

    # every document is kept (datatrove's reader itself skips empty texts),
    # and its text is what the CLI writes
    records = [r for r in records if r["text"]]
    assert set(docs) == {r["id"] for r in records}
    for r in records:
        # (datatrove's writer leaves out a text that cleaning emptied)
        assert docs[r["id"]].get("text", "") == cli_output["by_id"][r["id"]]["text"], r["id"]

    # the removed spans are in the metadata, as the CLI's dolma attributes
    n_spans = n_changed = 0
    for r in records:
        got = docs[r["id"]]["metadata"]["spamsplice_spans"]
        want = cli_output["spans"][r["id"]]
        assert [(a, b) for a, b, _ in got] == [(a, b) for a, b, _ in want], r["id"]
        for a, b, _ in got:
            assert 0 <= a < b <= len(r["text"])
        n_spans += len(got)
        n_changed += bool(got)
    assert n_changed >= 3

    # and counted in datatrove's stats
    s = step_stats(stats, str(step))
    assert total(s["total"]) == len(records)
    assert total(s["documents_changed"]) == n_changed
    assert total(s["spans_removed"]) == n_spans
    assert total(s["chars_removed"]) == sum(
        len(r["text"]) - len(cli_output["by_id"][r["id"]]["text"]) for r in records
    )


def test_step_on_documents_directly(texts):
    step = SpamspliceFilter(spans_key=None, batch_size=3, threads=1)
    docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
    out = list(step.run(iter(docs)))
    assert [d.id for d in out] == [str(i) for i in range(len(texts))]
    from spamsplice import Detector

    assert [d.text for d in out] == Detector().clean_batch(texts)
    assert all("spamsplice_spans" not in d.metadata for d in out)


def test_step_pickles_without_its_detector(texts):
    import pickle

    step = SpamspliceFilter()
    list(step.run(iter([Document(text=texts[0], id="x")])))
    assert step._detector is not None
    back = pickle.loads(pickle.dumps(step))
    assert back._detector is None and back.model_path is None


def test_bad_model_fails_when_the_step_runs(tmp_path):
    p = tmp_path / "empty.model"
    p.write_bytes(b"")
    step = SpamspliceFilter(model_path=p)
    from spamsplice import ModelError

    with pytest.raises(ModelError, match="empty model file"):
        list(step.run(iter([Document(text="x", id="1")])))


# --- repair_mojibake ----------------------------------------------------------

# 미국의 성모란 말이다, served as CP949 and read as Latin-1
MOJIBAKE = "\u00b9\u00cc\u00b1\u00b9\u00c0\u00c7 \u00bc\u00ba\u00b8\u00f0\u00b6\u00f5 \u00b8\u00bb\u00c0\u00cc\u00b4\u00d9"
REPAIR_RECORDS = [
    {"id": "k", "text": MOJIBAKE},
    {
        "id": "s",
        "text": "He said ¡°we will rebuild¡± at a foundation stone for restorin\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations.",
    },
    {"id": "e", "text": "café déjà vu"},
]


def test_repair_mojibake_is_opt_in_and_equals_the_cli(tmp_path, model_path, cli):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in REPAIR_RECORDS), encoding="utf-8")
    spliced = "He said ¡°we will rebuild¡± at a foundation stone for restoring Korea-China relations."
    repaired = "He said “we will rebuild” at a foundation stone for restoring Korea-China relations."

    # off (the default): the text is the input minus the spam, nothing rewritten
    off = SpamspliceFilter(model_path=model_path, batch_size=2)
    docs, stats = run_pipeline(tmp_path / "off", src, off, 1)
    assert {k: d["text"] for k, d in docs.items()} == {"k": MOJIBAKE, "s": spliced, "e": "café déjà vu"}
    assert "documents_repaired" not in step_stats(stats, str(off))

    on = SpamspliceFilter(model_path=model_path, batch_size=2, repair_mojibake=True)
    docs, stats = run_pipeline(tmp_path / "on", src, on, 1)
    assert {k: d["text"] for k, d in docs.items()} == {"k": "미국의 성모란 말이다", "s": repaired, "e": "café déjà vu"}
    # the spans are still the removed ones, in code points of the input
    assert [(a, b) for a, b, _ in docs["s"]["metadata"]["spamsplice_spans"]] == [(62, 78)]
    assert docs["k"]["metadata"]["spamsplice_spans"] == []
    s = step_stats(stats, str(on))
    assert total(s["documents_repaired"]) == 2
    assert total(s["documents_changed"]) == 1
    assert total(s["spans_removed"]) == 1
    assert total(s["chars_removed"]) == 16

    # and the text is what `filter --format jsonl --repair-mojibake` writes
    out = subprocess.run(
        [cli, "filter", "--format", "jsonl", "--repair-mojibake", "--quiet", "--model", model_path, str(src / "a.jsonl")],
        check=True, capture_output=True, text=True,
    ).stdout
    assert {r["id"]: r["text"] for r in map(json.loads, out.splitlines())} == {k: d["text"] for k, d in docs.items()}


# --- the corpus memory (filter --campaign) -----------------------------------

from spamsplice.datatrove import SpamspliceRemember, load_memory  # noqa: E402

from conftest import REPO  # noqa: E402


def campaign_dir(tmp: Path, records) -> tuple[Path, list[dict]]:
    """The campaign briefs of data/samples interleaved with the sample records, as three files."""
    brief = [json.loads(ln) for ln in (REPO / "data" / "samples" / "campaign.jsonl").read_text(encoding="utf-8").splitlines()]
    recs = []
    for i, r in enumerate(brief):
        recs.append(r)
        if i < len(records):
            recs.append(dict(records[i], id="rec-" + records[i]["id"]))
    d = tmp / "in"
    d.mkdir()
    third = (len(recs) + 2) // 3
    for i in range(3):
        with open(d / f"part{i}.jsonl", "w", encoding="utf-8") as f:
            for r in recs[i * third : (i + 1) * third]:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return d, recs


def run_steps(steps, logs: Path, tasks: int = 2) -> None:
    LocalPipelineExecutor(pipeline=steps, tasks=tasks, logging_dir=str(logs)).run()


def test_campaign_pipelines_equal_cli(tmp_path, records, model_path, cli):
    import subprocess

    from spamsplice import Detector

    d, recs = campaign_dir(tmp_path, records)
    files = sorted(d.glob("*.jsonl"))
    cli_out = tmp_path / "cli.jsonl"
    subprocess.run(
        [cli, "filter", "--campaign", "--format", "jsonl", "--quiet", "--model", model_path, "-o", str(cli_out), *map(str, files)],
        check=True,
    )
    want = {r["id"]: r["text"] for r in map(json.loads, cli_out.read_text(encoding="utf-8").splitlines())}
    m1, m2, out = tmp_path / "m1", tmp_path / "m2", tmp_path / "out"
    run_steps([JsonlReader(str(d)), SpamspliceRemember(str(m1), model_path=model_path, batch_size=5)], tmp_path / "l1")
    run_steps(
        [JsonlReader(str(d)), SpamspliceRemember(str(m2), first_round=str(m1), model_path=model_path, batch_size=5)],
        tmp_path / "l2",
    )
    # one memory per rank
    assert sorted(p.name for p in m1.iterdir()) == ["00000.mem", "00001.mem"]
    # the ranks' memories add up to the memory of the whole
    det = Detector(model_path)
    texts = [r["text"] for r in recs]
    first = det.remember(texts)
    assert load_memory(str(m1), det).to_bytes() == first.to_bytes()
    assert load_memory(str(m2), det).to_bytes() == det.remember(texts, first_round=first).to_bytes()
    run_steps(
        [JsonlReader(str(d)), SpamspliceFilter(model_path=model_path, memory=str(m2)), JsonlWriter(str(out), compression=None)],
        tmp_path / "l3",
    )
    docs = {}
    for f in sorted(out.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            docs[doc["id"]] = doc.get("text", "")
    assert docs == {i: t for i, t in want.items() if any(r["id"] == i and r["text"] for r in recs)}
    # and the memory changed the output: cleaned alone, the two bare-name briefs differ
    alone = det.clean_batch(texts)
    assert [r["id"] for r, a in zip(recs, alone) if a != want[r["id"]]] == [
        "rec-doc-012", "rec-doc-014", "brief-25", "brief-26",
    ]


def test_memory_folder_damaged_or_foreign_is_refused(tmp_path, model_path):
    from spamsplice import Detector

    det = Detector(model_path)
    folder = tmp_path / "mem"
    folder.mkdir()
    with pytest.raises(ValueError, match="no memory files"):
        load_memory(str(folder), det)
    good = det.remember(["드래곤포커 dragonpk77.com 관계자는 그렇게 설명했다."]).to_bytes()
    (folder / "00000.mem").write_bytes(good)
    (folder / "00001.mem").write_bytes(good[:-4])
    step = SpamspliceFilter(model_path=model_path, memory=str(folder))
    with pytest.raises(ValueError, match=r"memory 00001.mem in .*: not a usable spamsplice memory: corrupt or truncated"):
        list(step.run(iter([Document(text="x", id="1")])))
    other = Detector(model_path, threshold=0.5)
    (folder / "00001.mem").write_bytes(other.remember(["x"]).to_bytes())
    with pytest.raises(ValueError, match=r"memory 00001.mem in .*: made with another model"):
        load_memory(str(folder), det)


def test_campaign_recipe_equals_cli(tmp_path, records, model_path, cli):
    """python/examples/datatrove_campaign.py, run locally with 3 tasks, writes
    the texts `filter --campaign` writes."""
    import importlib.util
    import subprocess

    spec = importlib.util.spec_from_file_location("datatrove_campaign", REPO / "python" / "examples" / "datatrove_campaign.py")
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    d, recs = campaign_dir(tmp_path, records)
    cli_out = tmp_path / "cli.jsonl"
    subprocess.run(
        [cli, "filter", "--campaign", "--format", "jsonl", "--quiet", "--model", model_path, "-o", str(cli_out),
         *map(str, sorted(d.glob("*.jsonl")))],
        check=True,
    )
    want = {r["id"]: r["text"] for r in map(json.loads, cli_out.read_text(encoding="utf-8").splitlines())}
    work = tmp_path / "work"
    assert recipe.main([str(d), str(work), "--tasks", "3", "--model", model_path]) == 0
    got = {}
    for f in sorted((work / "out").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            got[doc["id"]] = doc.get("text", "")
    assert got == {i: t for i, t in want.items() if any(r["id"] == i and r["text"] for r in recs)}
    assert len(list((work / "memory1").glob("*.mem"))) == 3

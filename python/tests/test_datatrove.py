"""The datatrove step in a LocalPipelineExecutor: JsonlReader -> SpamspliceFilter
-> JsonlWriter, compared with `spamsplice filter --format jsonl`."""

from __future__ import annotations

import json
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

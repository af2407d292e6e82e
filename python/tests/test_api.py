"""The Python API: clean, spans, batch, errors (as the CLI words them), types."""

from __future__ import annotations

import pickle
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import spamsplice
from spamsplice import Detector, ModelError

from conftest import FRAGMENTS, SEED, SEED_CLEAN, needs_shared


@pytest.fixture(scope="module")
def det() -> Detector:
    return Detector()


@pytest.fixture(scope="module")
def det_file(model_path) -> Detector:
    return Detector(model_path)


def deleted(text: str, spans) -> str:
    out, at = [], 0
    for a, b, _ in spans:
        out.append(text[at:a])
        at = b
    out.append(text[at:])
    return "".join(out)


# --- clean ---------------------------------------------------------------


@needs_shared
def test_seed_article_is_restored_exactly(det):
    seed = SEED.read_text(encoding="utf-8")
    assert det.clean(seed) == SEED_CLEAN.read_text(encoding="utf-8")


@needs_shared
def test_seed_spans_are_the_five_fragments(det):
    seed = SEED.read_text(encoding="utf-8")
    cleaned, spans = det.clean_with_spans(seed)
    assert cleaned == SEED_CLEAN.read_text(encoding="utf-8")
    removed = [seed[a:b] for a, b, _ in spans]
    assert len(removed) == 5
    for frag, r in zip(FRAGMENTS, removed):
        assert frag in r


def test_three_lines(det):
    # the README's three lines
    text = "a foundation stone for restorin\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations"
    assert spamsplice.Detector().clean(text) == "a foundation stone for restoring Korea-China relations"


def test_ascii_text_is_returned_as_is(det):
    text = "Rail operators said the strike would end on Friday.\nCommuters were advised to check timetables."
    assert det.clean(text) is text
    assert det.clean_with_spans(text) == (text, [])
    assert det.clean("") == ""


def test_clean_matches_embedded_and_file_model(det, det_file, texts):
    # the wheel embeds models/default.model of the tree it was built from
    if Path(det_file.model_path).read_bytes() != _embedded_model_bytes():
        pytest.skip("models/default.model changed since the wheel was built")
    assert [det.clean(t) for t in texts] == [det_file.clean(t) for t in texts]


def _embedded_model_bytes() -> bytes:
    from conftest import REPO

    return (REPO / "models" / "default.model").read_bytes()


def test_some_fragments_are_found(det, texts):
    found = sum(len(det.clean_with_spans(t)[1]) for t in texts)
    assert found >= 3, "the default model should find the seed-style fragments"


# --- spans ---------------------------------------------------------------


def test_spans_slice_the_removed_text_in_python(det, texts):
    saw_astral = False
    for t in texts:
        cleaned, spans = det.clean_with_spans(t)
        assert cleaned == det.clean(t)
        assert isinstance(spans, list)
        prev_end = 0
        for a, b, score in spans:
            assert isinstance(a, int) and isinstance(b, int) and isinstance(score, float)
            assert 0.0 <= score <= 1.0
            assert prev_end <= a < b <= len(t)
            prev_end = b
        # deleting text[a:b] (code points, as Python slices) gives the cleaned text
        assert deleted(t, spans) == cleaned
        if spans and any(ord(c) > 0xFFFF for c in t[: spans[0][0]]):
            saw_astral = True
    assert saw_astral, "a sample with an emoji before a fragment should have spans"


def test_spans_agree_with_cli_dolma_attributes(det_file, records, cli_output):
    for r in records:
        _, spans = det_file.clean_with_spans(r["text"])
        want = cli_output["spans"][r["id"]]
        assert [(a, b) for a, b, _ in spans] == [(a, b) for a, b, _ in want], r["id"]
        for (_, _, s), (_, _, w) in zip(spans, want):
            assert s == pytest.approx(w, abs=1e-5)


def test_clean_agrees_with_cli(det_file, records, cli_output):
    for r in records:
        assert det_file.clean(r["text"]) == cli_output["by_id"][r["id"]]["text"], r["id"]


# --- batch ---------------------------------------------------------------


@pytest.mark.parametrize("threads", [None, 0, 1, 2, 3])
def test_batch_equals_per_item_clean(det, texts, threads):
    many = texts * 7
    want = [det.clean(t) for t in many]
    assert det.clean_batch(many, threads=threads) == want
    assert det.clean_batch_with_spans(many, threads=threads) == [det.clean_with_spans(t) for t in many]


def test_batch_takes_any_iterable_and_keeps_unchanged_objects(det, texts):
    assert det.clean_batch(t for t in texts) == [det.clean(t) for t in texts]
    assert det.clean_batch(tuple(texts)) == [det.clean(t) for t in texts]
    assert det.clean_batch([]) == []
    plain = "Nothing to see here."
    assert det.clean_batch([plain, plain])[0] is plain


def test_threads_share_one_detector(det, texts):
    many = texts * 5
    want = [det.clean(t) for t in many]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(det.clean, many))
        batches = list(pool.map(lambda _: det.clean_batch(many, threads=2), range(4)))
    assert got == want
    assert all(b == want for b in batches)


# --- errors --------------------------------------------------------------


def cli_error(cli, model) -> str:
    p = subprocess.run(
        [cli, "filter", "--format", "text", "--quiet", "--model", str(model)],
        input=b"x\n",
        capture_output=True,
    )
    assert p.returncode == 1
    msg = p.stderr.decode().strip()
    assert msg.startswith("spamsplice: error: ")
    return msg[len("spamsplice: error: "):]


def test_empty_model_file(tmp_path, cli):
    p = tmp_path / "empty.model"
    p.write_bytes(b"")
    with pytest.raises(ModelError) as e:
        Detector(p)
    assert isinstance(e.value, ValueError)
    assert "empty model file" in str(e.value)
    assert str(e.value) == cli_error(cli, p)


@pytest.mark.parametrize("kind", ["garbage", "truncated", "flipped"])
def test_corrupt_model_file(tmp_path, cli, model_path, kind):
    good = Path(model_path).read_bytes()
    bad = {
        "garbage": b"this is not a model at all, just some text\n" * 3,
        "truncated": good[: len(good) // 2],
        "flipped": good[:40] + bytes(b ^ 0xFF for b in good[40:400]) + good[400:],
    }[kind]
    p = tmp_path / f"{kind}.model"
    p.write_bytes(bad)
    with pytest.raises(ValueError) as e:
        Detector(str(p))
    assert type(e.value) is ModelError
    assert str(p) in str(e.value)
    assert str(e.value) == cli_error(cli, p)


def test_missing_model_file(tmp_path, cli):
    p = tmp_path / "nope.model"
    with pytest.raises(FileNotFoundError) as e:
        Detector(p)
    assert str(e.value) == cli_error(cli, p)
    with pytest.raises(IsADirectoryError):
        Detector(tmp_path)


def test_model_error_is_exported():
    assert issubclass(spamsplice.ModelError, ValueError)
    assert spamsplice.ModelError.__module__ == "spamsplice"


@pytest.mark.parametrize("bad", [None, 42, 3.5, b"bytes", ["a list"], object()])
def test_non_str_input_is_a_type_error(det, bad):
    with pytest.raises(TypeError, match=r"must be str, not " + type(bad).__name__):
        det.clean(bad)
    with pytest.raises(TypeError, match=r"must be str"):
        det.clean_with_spans(bad)


def test_bytes_hint(det):
    with pytest.raises(TypeError, match="decode bytes to str first"):
        det.clean(b"abc")


def test_batch_type_errors(det):
    with pytest.raises(TypeError, match=r"item 2 must be str, not int"):
        det.clean_batch(["a", "b", 3])
    with pytest.raises(TypeError, match="not a single str"):
        det.clean_batch("a string")
    with pytest.raises(TypeError, match="iterable of str, not int"):
        det.clean_batch(5)
    with pytest.raises(ValueError, match="threads must be >= 0"):
        det.clean_batch(["a"], threads=-1)


def test_lone_surrogate_is_a_value_error(det):
    with pytest.raises(UnicodeEncodeError):
        det.clean("broken \ud800 text")


# --- the rest ------------------------------------------------------------


def test_threshold(det, texts, model_path):
    with pytest.raises(ValueError, match="finite"):
        Detector(threshold=float("nan"))
    # token probabilities never exceed 1: nothing is removed
    strict = Detector(model_path, threshold=1.5)
    assert strict.threshold == 1.5
    assert strict.clean_batch(texts) == texts
    assert det.threshold is None


def test_pickle_and_repr(det, det_file, texts):
    for d in [det, det_file, Detector(threshold=0.75)]:
        back = pickle.loads(pickle.dumps(d))
        assert repr(back) == repr(d)
        assert back.model_path == d.model_path
        assert back.clean_batch(texts) == d.clean_batch(texts)
    assert repr(det) == "Detector()"


def test_typing_files_are_shipped():
    pkg = Path(spamsplice.__file__).parent
    assert (pkg / "py.typed").exists()
    assert (pkg / "_spamsplice.pyi").exists()
    assert spamsplice.Detector.clean.__doc__ and spamsplice.Detector.__doc__


# --- repair --------------------------------------------------------------

# 미국의 성모란 말이다, served as CP949 and read as Latin-1
MOJIBAKE = "\u00b9\u00cc\u00b1\u00b9\u00c0\u00c7 \u00bc\u00ba\u00b8\u00f0\u00b6\u00f5 \u00b8\u00bb\u00c0\u00cc\u00b4\u00d9"


def test_repair_reads_mojibake_back_only_when_asked(det):
    assert det.clean(MOJIBAKE) is MOJIBAKE
    assert det.clean(MOJIBAKE, repair=True) == "미국의 성모란 말이다"
    english = "café déjà vu"
    assert det.clean(english, repair=True) is english
    assert det.clean_batch([MOJIBAKE, english], repair=True) == ["미국의 성모란 말이다", english]
    assert det.clean_batch([MOJIBAKE]) == [MOJIBAKE]
    # With spans: the repaired text, and no span removed.
    assert det.clean_with_spans(MOJIBAKE, repair=True) == ("미국의 성모란 말이다", [])
    assert det.clean_with_spans(MOJIBAKE) == (MOJIBAKE, [])
    assert det.clean_with_spans(english, repair=True)[0] is english


def test_repair_equals_the_cli(det, tmp_path, cli):
    import json

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "k", "text": MOJIBAKE}) + "\n", encoding="utf-8")
    out = subprocess.run(
        [cli, "filter", "--format", "jsonl", "--repair-mojibake", "--quiet", str(src)],
        check=True, capture_output=True, text=True,
    ).stdout
    assert json.loads(out)["text"] == det.clean(MOJIBAKE, repair=True)

"""The corpus memory (``Detector.remember``, ``Memory``): the CLI's
``remember`` / ``filter --campaign`` rounds, byte for byte."""

from __future__ import annotations

import json
import pickle
import subprocess
from pathlib import Path

import pytest

from spamsplice import Detector, Memory

from conftest import REPO

SAMPLE = REPO / "data" / "samples" / "campaign.jsonl"
SAMPLE_CLEAN = REPO / "data" / "samples" / "campaign.clean.jsonl"


def texts_of(path: Path) -> list[str]:
    return [json.loads(ln)["text"] for ln in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def det(model_path) -> Detector:
    return Detector(model_path)


@pytest.fixture(scope="module")
def sample() -> list[str]:
    return texts_of(SAMPLE)


@pytest.fixture(scope="module")
def rounds(det, sample):
    first = det.remember(sample)
    return first, det.remember(sample, first_round=first)


def test_two_rounds_clean_as_the_cli_campaign(det, sample, rounds):
    _, second = rounds
    want = texts_of(SAMPLE_CLEAN)
    assert det.clean_batch(sample, memory=second) == want
    assert [det.clean(t, memory=second) for t in sample] == want
    assert [c for c, _ in det.clean_batch_with_spans(sample, memory=second, threads=2)] == want
    # the memory matters on this sample: without it two briefs keep the bare name
    assert sum(a != b for a, b in zip(det.clean_batch(sample), want)) == 2


def test_memories_equal_the_cli_memory_files(det, sample, rounds, cli, model_path, tmp_path):
    first, second = rounds
    m1, m2 = tmp_path / "first.mem", tmp_path / "second.mem"
    run = lambda *a: subprocess.run([cli, "remember", "--quiet", "--model", model_path, *a], check=True)
    run(str(SAMPLE), "-o", str(m1))
    run("--first-round", str(m1), str(SAMPLE), "-o", str(m2))
    assert first.to_bytes() == m1.read_bytes()
    assert second.to_bytes() == m2.read_bytes()
    assert Memory.from_bytes(m2.read_bytes()) == second


def test_shards_add_up_to_the_whole(det, sample, rounds):
    first, second = rounds
    shards = [sample[:5], sample[5:6], sample[6:19], sample[19:], []]
    ones = [det.remember(s, threads=1 + i % 2) for i, s in enumerate(shards)]
    assert sum(ones).to_bytes() == first.to_bytes()
    assert (ones[0] + ones[1] + ones[2] + ones[3]).to_bytes() == first.to_bytes()
    assert (0 + ones[0]) == ones[0]
    # the second round in shards, each given the whole first round
    twos = [det.remember(s, first_round=first) for s in shards]
    assert sum(twos).to_bytes() == second.to_bytes()
    assert sum(twos) == second and sum(twos) != first
    # first round in shards, summed, then the second round: the same memory
    assert det.remember(sample, first_round=sum(ones)).to_bytes() == second.to_bytes()


def test_bytes_and_pickle_round_trip(rounds, det):
    _, second = rounds
    b = second.to_bytes()
    assert b[:8] == b"SSMEMORY"
    back = Memory.from_bytes(b)
    assert back.to_bytes() == b and back.fingerprint == det.fingerprint
    assert pickle.loads(pickle.dumps(second)).to_bytes() == b


def test_damaged_memory_is_refused(rounds, det, sample):
    b = rounds[1].to_bytes()
    with pytest.raises(ValueError, match=r"^not a usable spamsplice memory: truncated memory file$"):
        Memory.from_bytes(b"")
    with pytest.raises(ValueError, match=r"not a spamsplice memory \(bad magic\)"):
        Memory.from_bytes(b"SSMODEL!" + b[8:])
    with pytest.raises(ValueError, match=r"corrupt or truncated"):
        Memory.from_bytes(b[:-3])
    with pytest.raises(ValueError, match=r"memory format version 9, this build reads version 2"):
        Memory.from_bytes(b[:8] + bytes([9]) + b[9:])
    for n in range(0, len(b), 7):
        with pytest.raises(ValueError):
            Memory.from_bytes(b[:n])


def test_another_models_memory_is_refused(rounds, det, sample):
    first, second = rounds
    other = Detector(det.model_path, threshold=0.5)  # other thresholds, another fingerprint
    assert other.fingerprint != det.fingerprint
    foreign = other.remember(sample[:3])
    msg = r"memory made with another model \(fingerprint [0-9a-f]{16}; this detector's is [0-9a-f]{16}\)"
    with pytest.raises(ValueError, match=msg):
        det.clean(sample[0], memory=foreign)
    with pytest.raises(ValueError, match=msg):
        det.clean_batch(sample, memory=foreign)
    with pytest.raises(ValueError, match=msg):
        det.remember(sample, first_round=foreign)
    with pytest.raises(ValueError, match=r"cannot add memories of different models"):
        first + foreign
    with pytest.raises(TypeError):
        first + 1
    with pytest.raises(TypeError):
        det.clean(sample[0], memory=b"SSMEMORY")
    with pytest.raises(TypeError):
        Memory()

"""Shared fixtures: the repository, ../shared, the CLI to compare with, and a
small JSONL of news-like records, some with injected spam fragments.

Environment overrides:
  SPAMSPLICE_CLI     path of a built `spamsplice` binary (else `cargo build
                     --release --bin spamsplice` in the repository root)
  SPAMSPLICE_SHARED  the shared/ folder (else ../shared beside the repository)
  SPAMSPLICE_MODEL   the model file both sides use for comparisons (else
                     models/default.model of the repository)
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SPAMSPLICE_SHARED", REPO.parent / "shared"))
SEED = SHARED / "seed" / "000_25d65b13181b6f2f.txt"
SEED_CLEAN = SHARED / "seed" / "000_25d65b13181b6f2f.clean.txt"

needs_shared = pytest.mark.skipif(not SEED.exists(), reason=f"shared material not found at {SHARED}")

# The five seed fragments (CP949 mojibake after ftfy), put into sentences of our own.
FRAGMENTS = ["¹Ù´ÙÀ̾߱â°ÔÀÓÀå", "¾ß¸¶Å俬Ÿ", "¿À¼Ç¸±°ÔÀÓ", "Ȳ±Ý¼º»çÀÌÆ®", "¸±°ÔÀÓ5¸¸"]


def sample_records() -> list[dict]:
    """News-like records: clean ones, injected ones (the seed's styles), and
    the repository's sample articles. Written for these tests; no corpus text."""
    f = FRAGMENTS
    recs = [
        {"text": "The city council approved a new budget on Tuesday, raising spending on public transport by 4 percent."},
        {"text": "Rail operators said the strike would end on Friday.\nCommuters were advised to check timetables before travelling."},
        {
            "text": "The museum reopened after a two-year renovation that cost the city about 40 million dollars, officials sai\n"
            + f[0]
            + " d on Monday.\nVisitors queued for hours to see the restored gallery."
        },
        {
            "text": "The central bank kept its key rate unchanged on Dec. 3,\n"
            + f[1]
            + " in a decision that markets had widely expected.\nAnalysts expect a cut in the spring."
        },
        {
            "text": "Farmers across the province reported a strong harvest despite a dry summ\n"
            + f[2]
            + " er, the agriculture ministry said.\nPrices for rice fell slightly."
        },
        {"text": "The festival drew 200,000 visitors over the weekend.\n" + f[3] + "\nOrganisers plan to expand it next year."},
        {"text": "Officials said the new bridge will open to traffic in Marc\n" + f[4] + " h after final safety checks."},
        {"text": "서울시는 27일 한강공원에 새 자전거 도로를 개통한다고 밝혔다. 시는 내년까지 구간을 더 늘릴 계획이다."},
        {"text": "도시철도 노조가 파업을 끝내기로 했다고 28일 밝혔다.\n출근길 혼잡은 다음 주부터 풀릴 것으로 보인다."},
        {"text": "Fans 🎉 cheered as the team won the cup in Seou\n" + f[0] + " l on Sunday night."},
        {"text": ""},
        {"text": "Curly quotes survive: ¡°We are pleased,¡± the mayor¡¯s office said."},
        {"text": f[3] + " " + f[1] + " 5 " + f[4]},
    ]
    samples = REPO / "data" / "samples"
    for name in ["article.txt", "article_ko.txt"]:
        p = samples / name
        if p.exists():
            recs.append({"text": p.read_text(encoding="utf-8")})
    for i, r in enumerate(recs):
        r["id"] = f"doc-{i:03d}"
    # a record with extra fields, to check they come through
    recs[3]["source"] = "wire"
    recs[3]["meta"] = {"lang": "en", "tags": ["economy", "rates"]}
    return recs


@pytest.fixture(scope="session")
def records() -> list[dict]:
    return sample_records()


@pytest.fixture(scope="session")
def texts(records) -> list[str]:
    return [r["text"] for r in records]


@pytest.fixture(scope="session")
def model_path() -> str:
    p = Path(os.environ.get("SPAMSPLICE_MODEL", REPO / "models" / "default.model"))
    if not p.exists():
        pytest.skip(f"no model file at {p}")
    return str(p)


@pytest.fixture(scope="session")
def cli() -> str:
    """The `spamsplice` binary: $SPAMSPLICE_CLI, else built in the repository
    (a no-op when it is up to date)."""
    env = os.environ.get("SPAMSPLICE_CLI")
    if env:
        return env
    if not (REPO / "Cargo.toml").exists():
        pytest.skip("no Rust crate beside python/ and no SPAMSPLICE_CLI")
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "spamsplice"], cwd=REPO, check=True)
    return str(REPO / "target" / "release" / "spamsplice")


@pytest.fixture(scope="session")
def jsonl_dir(tmp_path_factory, records) -> Path:
    """records as two JSONL files (so two datatrove tasks / Spark partitions get work)."""
    d = tmp_path_factory.mktemp("in")
    half = (len(records) + 1) // 2
    for name, part in [("a.jsonl", records[:half]), ("b.jsonl", records[half:])]:
        with open(d / name, "w", encoding="utf-8") as f:
            for r in part:
                # half the records with \\u escapes, as many writers emit them
                f.write(json.dumps(r, ensure_ascii=(name == "b.jsonl")) + "\n")
    return d


@pytest.fixture(scope="session")
def cli_output(cli, model_path, jsonl_dir, tmp_path_factory) -> dict:
    """What `spamsplice filter --format jsonl` writes for the sample: records
    and dolma spans by id, in input order."""
    out = tmp_path_factory.mktemp("cli")
    records, spans = [], []
    for name in ["a.jsonl", "b.jsonl"]:
        subprocess.run(
            [
                cli, "filter", "--format", "jsonl", "--quiet", "--model", model_path,
                "-o", str(out / name), "--spans", str(out / (name + ".spans")), str(jsonl_dir / name),
            ],
            check=True,
        )
        records += [json.loads(ln) for ln in (out / name).read_text(encoding="utf-8").splitlines()]
        spans += [json.loads(ln) for ln in (out / (name + ".spans")).read_text(encoding="utf-8").splitlines()]
    return {
        "records": records,
        "by_id": {r["id"]: r for r in records},
        "spans": {s["id"]: s["attributes"]["spamsplice__gambling_injection"] for s in spans},
    }

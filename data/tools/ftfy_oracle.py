#!/usr/bin/env python3
"""Writes generated/ftfy_oracle.tsv: inputs and Python ftfy's fix_text output,
for checking the Rust port (encoding::forward::ftfy_fix) during development:

    python3 data/tools/ftfy_oracle.py [N] && \
    cargo test --lib ftfy_oracle -- --ignored --nocapture

Python is a development oracle only; nothing at build, test or run time needs it.
Inputs (all JSON-escaped, one `input<TAB>expected` per line):
  * random compositions of Korean lexicon terms (+ digits, spaces, ASCII domains),
    as CP949 read as Latin-1 and as (sloppy) windows-1252;
  * random Hangul syllable strings, same two readings;
  * lines of the Korean corpora as CP949 read as Latin-1 (the mojibake hosts);
  * lines of the English corpus with curly quotes as CP949 read as Latin-1.
"""
import json
import os
import random
import sys

import ftfy
import ftfy.bad_codecs  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPORA = os.path.join(ROOT, "..", "shared", "corpora")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
rng = random.Random(7)

terms = {"name": [], "genre": [], "suffix": [], "stem": []}
for line in open(os.path.join(ROOT, "data", "lexicon.tsv"), encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    cols = line.rstrip("\n").split("\t")
    if cols[0] in terms:
        terms[cols[0]].append(cols[1])


def composition():
    head = rng.choice(terms["name"] + terms["genre"])
    parts = [head]
    for _ in range(rng.randint(0, 2)):
        parts.append(rng.choice(terms["suffix"] + terms["genre"]))
    sep = rng.choice(["", "", " "])
    s = sep.join(parts)
    if rng.random() < 0.2:
        s += " " + rng.choice(terms["stem"]) + str(rng.randint(1, 999)) + ".com"
    return s


def syllables():
    return "".join(chr(rng.randint(0xAC00, 0xD7A3)) for _ in range(rng.randint(1, 12)))


out = []


def add(inp):
    out.append(json.dumps(inp, ensure_ascii=False) + "\t" + json.dumps(ftfy.fix_text(inp), ensure_ascii=False))


for maker in (composition, syllables):
    for _ in range(N):
        w = maker()
        b = w.encode("cp949")
        add(b.decode("latin-1"))
        add(b.decode("sloppy-windows-1252"))


def corpus_lines(folder, limit):
    path = os.path.join(CORPORA, folder, "docs.jsonl")
    if not os.path.exists(path):
        return []
    lines = []
    for rec in open(path, encoding="utf-8"):
        for ln in json.loads(rec)["text"].split("\n"):
            if ln.strip():
                lines.append(ln)
    rng.shuffle(lines)
    return lines[:limit]


for folder in ["kopolitic_news_ko", "ko_kmou_news", "ko_soynlp_news", "ko_dacon_news", "sci_news_sum_kr50_ko"]:
    for ln in corpus_lines(folder, N // 4):
        try:
            add(ln.encode("cp949").decode("latin-1") + "\n")
        except UnicodeEncodeError:
            pass
for ln in corpus_lines("bbc_news_en", N // 4):
    ln = ln.replace("'", "\u2019").replace(' "', " \u201c").replace('"', "\u201d")
    add(ln.encode("cp949", errors="replace").decode("latin-1"))

os.makedirs(os.path.join(ROOT, "generated"), exist_ok=True)
with open(os.path.join(ROOT, "generated", "ftfy_oracle.tsv"), "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
print(len(out), "cases", file=sys.stderr)

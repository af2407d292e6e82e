#!/usr/bin/env python3
"""How much the corpus memory needs: `eval` with and without it on random
samples of a labeled test file (500, 1,500 and 3,000 documents, and all of
its clean documents with 5% of its injected ones), printing Korean exact
restoration and clean pass-through for each.

    python3 scripts/subsets.py generated/synth/test.csv [target/release/spamsplice]

The samples are written under generated/subsets/ (git-ignored).
"""
import csv, os, random, re, subprocess, sys

csv.field_size_limit(1 << 30)
src = sys.argv[1]
binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/spamsplice"
out_dir = "generated/subsets"
os.makedirs(out_dir, exist_ok=True)
with open(src, newline="", encoding="utf-8") as f:
    reader = csv.reader(f)
    header = next(reader)
    rows = list(reader)
slice_col = header.index("slice")
injected = [r for r in rows if ".clean." not in r[slice_col]]
clean = [r for r in rows if ".clean." in r[slice_col]]
rng = random.Random(1)
samples = [(f"random {n}", rng.sample(rows, n)) for n in (500, 1500, 3000) if n <= len(rows)]
samples.append(("all clean + 5% injected", clean + rng.sample(injected, len(injected) // 20)))


def figures(path, *flags):
    out = subprocess.run(
        [binary, "eval", "--data", path, "--failures", os.devnull, *flags],
        capture_output=True, text=True, check=True,
    ).stdout
    # Columns after the label: docs, injected, exact, clean, pass, ...
    ko = re.search(r"^injected, Korean\s+(\d+)\s+\d+\s+(\S+)", out, re.M)
    cl = re.search(r"^clean, all\s+(\d+)\s+\d+\s+\S+\s+\d+\s+(\S+)", out, re.M)
    return (ko.group(1), ko.group(2)) if ko else ("0", "-"), (cl.group(2) if cl else "-")


print(f"{'sample':<26} {'docs':>5} {'ko docs':>7} {'ko exact mem':>12} {'alone':>7} {'clean mem':>9} {'alone':>7}")
for name, sample in samples:
    path = os.path.join(out_dir, re.sub(r"\W+", "_", name) + ".csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(sample)
    (ko_n, ko_mem), cl_mem = figures(path)
    (_, ko_alone), cl_alone = figures(path, "--no-campaign")
    print(f"{name:<26} {len(sample):>5} {ko_n:>7} {ko_mem:>12} {ko_alone:>7} {cl_mem:>9} {cl_alone:>7}")

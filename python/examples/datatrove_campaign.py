"""The corpus memory in datatrove: what `spamsplice filter --campaign` does,
as pipelines that run on one machine or on a Slurm cluster.

    python python/examples/datatrove_campaign.py IN_FOLDER WORK_FOLDER [--tasks N] [--model PATH]
    python python/examples/datatrove_campaign.py IN_FOLDER WORK_FOLDER --slurm --partition P [--tasks N]

The memory is built in two rounds over the whole corpus (the second round
reads the first's sum), then the cleaning pipeline reads the second's sum.
Each rank writes its memory to WORK/memory1 or WORK/memory2 (RANK.mem); the
next pipeline adds them up, so the result does not depend on how many tasks
ran. The cleaned JSONL goes to WORK/out. On Slurm, each pipeline `depends`
on the one before, so the three are submitted at once.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from spamsplice.datatrove import SpamspliceFilter, SpamspliceRemember


def pipelines(input_folder: str, work: str, model_path: Optional[str] = None) -> List[list]:
    """The three pipelines' steps, in the order they must run."""
    w = Path(work)
    m1, m2 = str(w / "memory1"), str(w / "memory2")
    return [
        [JsonlReader(input_folder), SpamspliceRemember(m1, model_path=model_path)],
        [JsonlReader(input_folder), SpamspliceRemember(m2, first_round=m1, model_path=model_path)],
        [
            JsonlReader(input_folder),
            SpamspliceFilter(model_path=model_path, memory=m2),
            JsonlWriter(str(w / "out"), compression=None),
        ],
    ]


def run_local(input_folder: str, work: str, tasks: int = 2, model_path: Optional[str] = None) -> None:
    """Runs the three pipelines one after the other on this machine."""
    from datatrove.executor import LocalPipelineExecutor

    for i, steps in enumerate(pipelines(input_folder, work, model_path)):
        LocalPipelineExecutor(pipeline=steps, tasks=tasks, logging_dir=str(Path(work) / f"logs{i + 1}")).run()


def run_slurm(input_folder: str, work: str, tasks: int, partition: str, model_path: Optional[str] = None) -> None:
    """Submits the three pipelines to Slurm, each waiting for the one before."""
    from datatrove.executor import SlurmPipelineExecutor

    before = None
    for i, steps in enumerate(pipelines(input_folder, work, model_path)):
        ex = SlurmPipelineExecutor(
            pipeline=steps,
            tasks=tasks,
            time="4:00:00",
            partition=partition,
            job_name=f"spamsplice-campaign-{i + 1}",
            logging_dir=str(Path(work) / f"logs{i + 1}"),
            depends=before,
        )
        before = ex
    before.run()  # runs its dependencies first


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("work")
    ap.add_argument("--tasks", type=int, default=2)
    ap.add_argument("--model")
    ap.add_argument("--slurm", action="store_true")
    ap.add_argument("--partition")
    a = ap.parse_args(argv)
    if a.slurm:
        if not a.partition:
            ap.error("--slurm needs --partition")
        run_slurm(a.input, a.work, a.tasks, a.partition, a.model)
    else:
        run_local(a.input, a.work, a.tasks, a.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())

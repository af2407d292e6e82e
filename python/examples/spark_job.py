"""spark-submit entry point for the spamsplice Spark stage (see spamsplice/spark.py).

    spark-submit --master local[2] python/examples/spark_job.py 'in/*.jsonl' out [--model PATH] [--field text] [--campaign]

--campaign: the corpus memory of `spamsplice filter --campaign` (two rounds, then the cleaning pass).
"""
import sys

from spamsplice.spark import main

sys.exit(main())

"""Score a state-sized death file on Spark with the same Splink model as `reentry link-deaths`.

    reentry link-deaths --write-inputs /data/linkage/            # deaths.parquet, participants.parquet
    spark-submit --master yarn --driver-memory 8g \
        --conf spark.sql.shuffle.partitions=400 \
        docs/examples/link_deaths_spark.py /data/linkage/ /data/linkage/pairs_csv/
    cat /data/linkage/pairs_csv/part-*.csv > pairs.csv
    reentry link-deaths --pairs pairs.csv                        # prints: linked N, to review N, unlinked N

The driver needs reentry installed (`pip install -e '.[linkage]'` with `pyspark` beside it) for
`linkage_settings()` and `train()`; nothing reaches the app's database from here. The output is
CSV with the header death_id,participant_id,match_probability: every pair at or above
REENTRY_LINK_THRESHOLD_LOW (the second argument's default, 0.5; pass the app's value as the
third argument). `--pairs` applies the thresholds, the review rules and the kept decisions.
"""
from __future__ import annotations

import sys

from pyspark.sql import SparkSession
from splink import Linker
from splink.backends.spark import SparkAPI, similarity_jar_location

from reentry.outcomes.linkage import INPUT_FILES, linkage_settings, train


def main(inputs: str, out: str, low: float = 0.5) -> None:
    # Splink's Jaro-Winkler and other string functions are Scala UDFs in a jar shipped with Splink.
    spark = (SparkSession.builder.appName("reentry link-deaths")
             .config("spark.jars", similarity_jar_location()).getOrCreate())
    spark.sparkContext.setCheckpointDir(f"{out.rstrip('/')}_checkpoints")  # Splink breaks lineage with checkpoints
    api = SparkAPI(spark_session=spark)
    deaths = spark.read.parquet(f"{inputs.rstrip('/')}/{INPUT_FILES['deaths']}")
    people = spark.read.parquet(f"{inputs.rstrip('/')}/{INPUT_FILES['participants']}")
    linker = Linker([api.register(deaths, dataset_display_name="deaths"),
                     api.register(people, dataset_display_name="participants")], linkage_settings())
    skipped = train(linker)  # the same training as on DuckDB; EM sessions hitting m = 0 are skipped
    if skipped:
        print(f"EM skipped when blocked on: {', '.join(skipped)}")
    pairs = linker.inference.predict(threshold_match_probability=low).as_spark_dataframe()
    pairs.createOrReplaceTempView("scored")
    spark.sql("""
        SELECT CASE WHEN source_dataset_l = 'deaths' THEN unique_id_l ELSE unique_id_r END AS death_id,
               CASE WHEN source_dataset_l = 'deaths' THEN unique_id_r ELSE unique_id_l END AS participant_id,
               match_probability
        FROM scored
    """).coalesce(1).write.mode("overwrite").option("header", True).csv(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.5)

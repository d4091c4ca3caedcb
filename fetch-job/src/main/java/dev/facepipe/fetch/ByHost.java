package dev.facepipe.fetch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.udf;

import dev.facepipe.crawler.UrlRef;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Step 2: each URL once (a URL listed twice keeps the least page_url and caption, so a retried task
 * sees the same rows), keyed by its host, cut into tasks by host (a task owns all of a host's URLs,
 * so politeness and robots.txt are one task's business) and sorted, so a task meets each host's URLs
 * together and in the same order on every attempt.
 */
final class ByHost {
    /** A URL's host as fetch and recrawl key it ({@link UrlRef#hostOf}). */
    static final UserDefinedFunction HOST = udf((String url) -> UrlRef.hostOf(url), DataTypes.StringType);

    private ByHost() {}

    /** Each URL once, with its host. */
    static Dataset<Row> unique(Dataset<Row> urls) {
        return urls.where(col("url").isNotNull())
                .groupBy("url").agg(min("page_url").as("page_url"), min("caption").as("caption"))
                .withColumn("host", HOST.apply(col("url")));
    }

    static Dataset<Row> arrange(Dataset<Row> unique, int partitions) {
        return unique.repartition(partitions, col("host")).sortWithinPartitions("host", "url");
    }
}

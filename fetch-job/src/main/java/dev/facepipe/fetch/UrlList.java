package dev.facepipe.fetch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;

import dev.facepipe.storage.HadoopFiles;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Step 1, the reader: a URL list as rows of (url, page_url, caption), the img2dataset input. Parquet
 * or CSV (with a header) with a url column and optional page_url and caption columns, or text with
 * one URL a line (blank lines and lines starting with # skipped); a file or a folder of them.
 */
final class UrlList {
    enum Format { PARQUET, CSV, TEXT }

    private UrlList() {}

    /** The format of a list by its files' names: .parquet, .csv, else text (the first file that says). */
    static Format formatOf(List<String> files) {
        for (String f : files) {
            String name = f.substring(f.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
            if (name.endsWith(".parquet")) return Format.PARQUET;
            if (name.endsWith(".csv") || name.endsWith(".csv.gz")) return Format.CSV;
        }
        return Format.TEXT;
    }

    static Dataset<Row> read(SparkSession spark, HadoopFiles files, String path) {
        List<String> listed = files.listFiles(path);
        if (listed.isEmpty()) throw new IllegalArgumentException("URL list " + path + " holds no file");
        Dataset<Row> in = switch (formatOf(listed)) {
            case PARQUET -> spark.read().parquet(path);
            case CSV -> spark.read().option("header", "true").csv(path);
            case TEXT -> spark.read().text(path).withColumnRenamed("value", "url")
                    .where(trim(col("url")).notEqual("").and(col("url").startsWith("#").unary_$bang()));
        };
        List<String> columns = Arrays.asList(in.columns());
        if (!columns.contains("url")) {
            throw new IllegalArgumentException("URL list " + path + " has no url column (it has " + columns
                    + "): name the image URL column url");
        }
        return in.select(trim(col("url").cast("string")).as("url"), optional(columns, "page_url"),
                optional(columns, "caption"));
    }

    private static Column optional(List<String> columns, String name) {
        return (columns.contains(name) ? col(name) : lit(null)).cast("string").as(name);
    }
}

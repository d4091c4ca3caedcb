package dev.facepipe.ingest;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Row;

/** The driver-side dedup's budget: small runs are deduplicated in the driver, large ones in Spark. */
final class DriverBudget {
    private DriverBudget() {}

    /**
     * This run's rows (already in the driver) plus earlier runs' rows, when together they are at
     * most localMax; else null, and the Spark path takes over.
     */
    static <T> List<T> within(List<T> mine, Dataset<Row> earlier, Encoder<T> encoder, int localMax) {
        if (mine == null || localMax <= 0 || mine.size() > localMax) return null;
        if (earlier == null) return mine;
        List<T> rest = earlier.limit(localMax - mine.size() + 1).as(encoder).collectAsList();
        if (mine.size() + rest.size() > localMax) return null;
        List<T> all = new ArrayList<>(mine);
        all.addAll(rest);
        return all;
    }
}

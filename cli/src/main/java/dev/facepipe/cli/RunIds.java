package dev.facepipe.cli;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** The default run id of crawl, recrawl and ingest: UTC time to the second (picocli default provider). */
final class RunIds {
    private RunIds() {}

    static String now() {
        return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }
}

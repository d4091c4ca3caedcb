package dev.facepipe.cli;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Option;

/** The default run id of crawl, recrawl and ingest: UTC time to the second (picocli default provider). */
final class RunIds {
    private RunIds() {}

    /** --run-id as crawl, fetch and recrawl take it (a picocli mixin). */
    static final class RunId {
        @Option(names = "--run-id", paramLabel = "ID", description = "Run id (default: UTC time, yyyyMMdd-HHmmss).")
        String value = now();
    }

    static String now() {
        return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }
}

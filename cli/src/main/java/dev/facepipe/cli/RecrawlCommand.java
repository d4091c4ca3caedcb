package dev.facepipe.cli;

import dev.facepipe.crawler.RecrawlJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "recrawl", mixinStandardHelpOptions = true,
        description = "Discover new images (the pages are read again from the root's seeds; image URLs not yet scheduled"
                + " are fetched and join the schedule) and re-fetch the image URLs that are due (adaptive schedule in"
                + " OUT/state) with conditional GETs: unchanged = no download, changed = new blob and manifest row,"
                + " 404/410 = gone (a manifest row). Ingest the crawl root afterwards to pick up what changed."
                + " Exit 3 (the run's work is written) with one line on stderr for each alarm: a host that answered"
                + " before and answered nothing tonight, or a discovery that read no page.")
final class RecrawlCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "Crawl root (as given to crawl).")
    String out;

    @Mixin
    RunIds.RunId runId;

    @Option(names = "--all", description = "Treat every live URL as due now.")
    boolean all;

    @Option(names = "--spark", description = "Re-crawl on Spark, the schedule kept in host buckets (for schedules one"
            + " JVM cannot hold): discovery is a crawl on Spark (crawl --spark), the re-fetch cut by host."
            + " scripts/nightly-recrawl.sh adds it where recrawl.spark=true.")
    boolean spark;

    @Override
    public Integer call() throws Exception {
        if (spark) {
            dev.facepipe.fetch.RecrawlSparkJob.Result r = dev.facepipe.fetch.RecrawlSparkJob.run(main.config(), out, runId.value,
                    System.currentTimeMillis(), all);
            System.out.printf(java.util.Locale.ROOT, "recrawl %s: %s in %.1f s%n", r.runId(), r.summary(), r.seconds());
            System.out.println("manifest " + r.manifest());
            for (String a : r.alarms()) System.err.println("alarm: " + a);
            return r.alarms().isEmpty() ? 0 : 3;
        }
        RecrawlJob.Result r = RecrawlJob.run(main.config(), out, runId.value, System.currentTimeMillis(), all);
        System.out.println("recrawl " + r.runId() + ": " + r.summary());
        for (String a : r.alarms()) System.err.println("alarm: " + a);
        // URLs that failed are in the summary and stay due; a failed job is 1, a host gone silent 3
        return r.alarms().isEmpty() ? 0 : 3;
    }
}

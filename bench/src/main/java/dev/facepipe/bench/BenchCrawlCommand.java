package dev.facepipe.bench;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.crawler.CrawlJob;
import dev.facepipe.crawler.DemoSite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "crawl", mixinStandardHelpOptions = true,
        description = "Crawl the demo site with an archive on loopback, politeness off, into a temporary store:"
                + " images/s, MB/s and images/s per core, for each thread count.")
final class BenchCrawlCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--photos", required = true, split = ",", paramLabel = "FILE", description = "Photos to show.")
    List<Path> photos;

    @Option(names = "--archive-pages", description = "Archive pages, " + DemoSite.ARCHIVE_IMAGES_PER_PAGE
            + " images each (default: ${DEFAULT-VALUE}).")
    int archivePages = 250;

    @Option(names = "--threads", split = ",", description = "Crawler threads to try (default: ${DEFAULT-VALUE}).")
    List<Integer> threads = List.of(2, 8);

    @Override
    public Integer call() throws Exception {
        BenchCommand.printMachine();
        int cores = Runtime.getRuntime().availableProcessors();
        for (int t : threads) {
            Path tmp = Files.createTempDirectory("facepipe-bench-crawl-");
            try (DemoSite site = DemoSite.start(photos, archivePages)) {
                Config cfg = bench.main.config().with("crawler.politeness_delay_ms", "0", "bench")
                        .with("crawler.allow_private_hosts", "127.0.0.1", "bench").with("crawler.threads", Integer.toString(t), "bench")
                        .with("crawler.work_dir", tmp.resolve("work").toString(), "bench");
                CrawlJob.Result r = CrawlJob.run(cfg, List.of(site.baseUrl() + "/"), tmp.resolve("out").toString(),
                        "bench");
                // The site runs in this JVM too: the per-core figure charges the crawler for the server's CPU.
                // "Steady" leaves out start-up and crawler4j's end-of-crawl waits: first to last image fetched.
                long[] span = fetchSpan(r.manifest());
                double steady = (span[1] - span[0]) / 1000.0;
                System.out.printf(Locale.ROOT, "%d threads: %d pages, %d images (%.1f MB) in %.1f s: %.1f images/s,"
                        + " %.1f MB/s; steady %.1f images/s, %.1f MB/s, %.1f images/s per core (%d cores, server"
                        + " included)%n", t, r.pages(), r.images(), r.bytes() / 1e6, r.seconds(),
                        r.images() / r.seconds(), r.bytes() / 1e6 / r.seconds(), r.images() / steady,
                        r.bytes() / 1e6 / steady, r.images() / steady / cores, cores);
            } finally {
                org.apache.commons.io.FileUtils.deleteQuietly(tmp.toFile());
            }
        }
        return 0;
    }

    /** Earliest and latest fetched_at of the fetched images in a manifest, ms. */
    private static long[] fetchSpan(String manifest) {
        long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
        dev.facepipe.storage.AvroParquetFiles.forEach(new dev.facepipe.storage.HadoopFiles(
                new org.apache.hadoop.conf.Configuration()), manifest, g -> {
                    if (CrawlStatus.of(g.get("status")) != CrawlStatus.FETCHED) return;
                    long at = (Long) g.get("fetched_at");
                    span[0] = Math.min(span[0], at);
                    span[1] = Math.max(span[1], at);
                });
        return new long[] {span[0], Math.max(span[1], span[0] + 1)};
    }
}

package dev.facepipe.bench;

import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.CrawlJob;
import dev.facepipe.crawler.ManyHostsWeb;
import dev.facepipe.fetch.FetchJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = "Fetch a URL list from a loopback web of many hosts (127.0.1.x, in this JVM) on Spark, politeness"
                + " on: images/s, MB/s, images/s per core, robots.txt reads per host; with --compare-crawl the crawl of"
                + " the same hosts from their pages, on Spark and in one JVM, for the same figures.")
final class BenchFetchCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--photos", required = true, split = ",", paramLabel = "FILE", description = "JPEG photos to serve.")
    List<Path> photos;

    @Option(names = "--hosts", description = "Hosts (default: ${DEFAULT-VALUE}).")
    int hosts = 200;

    @Option(names = "--images", description = "Images a host (default: ${DEFAULT-VALUE}).")
    int images = 10;

    @Option(names = "--delay-ms", description = "crawler.politeness_delay_ms (default: ${DEFAULT-VALUE}).")
    int delayMs = 1000;

    @Option(names = "--master", description = "Spark master (default: ${DEFAULT-VALUE}).")
    String master = "local[2]";

    @Option(names = "--compare-crawl", description = "Also crawl the same hosts from their pages: on Spark (crawl"
            + " --spark) and in one JVM.")
    boolean compareCrawl;

    @Override
    public Integer call() throws Exception {
        BenchCommand.printMachine();
        int cores = Runtime.getRuntime().availableProcessors();
        Path tmp = Files.createTempDirectory("facepipe-bench-fetch-");
        try (ManyHostsWeb web = ManyHostsWeb.start(photos, hosts, images)) {
            Config cfg = bench.main.config().with("crawler.politeness_delay_ms", Integer.toString(delayMs), "bench")
                    .with("crawler.allow_private_hosts", web.hostList(), "bench")
                    .with("crawler.work_dir", tmp.resolve("work").toString(), "bench")
                    .with("job.spark_master", master, "bench");
            List<String> urls = new java.util.ArrayList<>(web.imageUrls());
            Collections.shuffle(urls, new java.util.Random(1)); // a list is in no host order
            Path list = Files.write(tmp.resolve("urls.txt"), urls);
            FetchJob.Result r = FetchJob.run(cfg, list.toString(), tmp.resolve("fetch").toString(), "bench");
            org.apache.spark.sql.Row span = dev.facepipe.storage.Sparks.session(cfg, "bench").read().parquet(r.manifest())
                    .where("status = 'fetched'").agg(org.apache.spark.sql.functions.min("fetched_at"),
                            org.apache.spark.sql.functions.max("fetched_at")).first();
            double steady = Math.max(1, span.getLong(1) - span.getLong(0)) / 1000.0;
            int maxRobots = web.robotsReads().values().stream().mapToInt(Integer::intValue).max().orElse(0);
            System.out.printf(Locale.ROOT, "fetch (%s, %d hosts x %d images, politeness %d ms): %s;"
                    + " %.1f images/s per core (%d cores, server included); steady (first to last image) %.1f images/s,"
                    + " %.1f per core; robots.txt reads a host at most %d; bound by politeness: %s%n", master,
                    hosts, images, delayMs, r.summary(), r.fetched() / r.seconds() / cores, cores, r.fetched() / steady,
                    r.fetched() / steady / cores, maxRobots,
                    delayMs > 0 ? String.format(Locale.ROOT, "%.1f images/s", hosts * 1000.0 / delayMs) : "none");
            if (compareCrawl) {
                dev.facepipe.fetch.CrawlSparkJob.Result k = dev.facepipe.fetch.CrawlSparkJob.run(cfg, web.roots(),
                        tmp.resolve("crawl-spark").toString(), "bench");
                System.out.printf(Locale.ROOT, "crawl --spark (%s, same hosts from their pages): %s; %.1f images/s per"
                        + " core%n", master, k.summary(), k.images() / k.seconds() / cores);
                CrawlJob.Result c = CrawlJob.run(cfg, web.roots(), tmp.resolve("crawl").toString(), "bench");
                System.out.printf(Locale.ROOT, "crawl (one JVM, crawler.threads=%d, same hosts from their pages): %d pages,"
                        + " %d images (%.1f MB) in %.1f s: %.1f images/s, %.2f MB/s, %.1f images/s per core%n",
                        cfg.getInt("crawler.threads"), c.pages(), c.images(), c.bytes() / 1e6, c.seconds(),
                        c.images() / c.seconds(), c.bytes() / 1e6 / c.seconds(), c.images() / c.seconds() / cores);
            }
        } finally {
            org.apache.commons.io.FileUtils.deleteQuietly(tmp.toFile());
        }
        return 0;
    }
}

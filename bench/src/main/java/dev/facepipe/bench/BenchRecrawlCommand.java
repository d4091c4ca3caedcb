package dev.facepipe.bench;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.schema.Schemas;
import dev.facepipe.crawler.DemoSite;
import dev.facepipe.crawler.RecrawlJob;
import dev.facepipe.storage.ContentHash;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "recrawl", mixinStandardHelpOptions = true,
        description = "Whether one re-crawl process holds a large schedule: a state of --urls known image URLs"
                + " (1000 hosts), of which --due are due and served by the demo site on loopback; prints the time"
                + " of the whole run (state read, selection, fetches, state written back) and the memory it took.")
final class BenchRecrawlCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--photos", required = true, split = ",", paramLabel = "FILE", description = "Photos to serve.")
    java.util.List<Path> photos;

    @Option(names = "--urls", description = "Known URLs (default: ${DEFAULT-VALUE}).")
    int urls = 1_000_000;

    @Option(names = "--due", description = "Due URLs, fetched from loopback (default: ${DEFAULT-VALUE}).")
    int due = 2000;

    @Option(names = "--spark", description = "Run recrawl --spark (local mode: this JVM is the executor) instead.")
    boolean spark;

    @Override
    public Integer call() throws Exception {
        BenchCommand.printMachine();
        int pages = (due + DemoSite.ARCHIVE_IMAGES_PER_PAGE - 1) / DemoSite.ARCHIVE_IMAGES_PER_PAGE;
        Path tmp = Files.createTempDirectory("facepipe-bench-recrawl-");
        try (DemoSite site = DemoSite.start(photos, pages)) {
            long now = System.currentTimeMillis();
            String out = tmp.resolve("crawl").toString();
            Files.createDirectories(tmp.resolve("crawl/state"));
            long w0 = System.nanoTime();
            try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(
                    new org.apache.hadoop.fs.Path(out + "/state/state.parquet"), new org.apache.hadoop.conf.Configuration()))
                    .withSchema(Schemas.RECRAWL_STATE).build()) {
                for (int i = 0; i < urls; i++) {
                    GenericRecord r = new GenericData.Record(Schemas.RECRAWL_STATE);
                    boolean isDue = i < due;
                    String path = "/archive/" + (i / DemoSite.ARCHIVE_IMAGES_PER_PAGE) + "-"
                            + (i % DemoSite.ARCHIVE_IMAGES_PER_PAGE) + ".jpg";
                    r.put("url", isDue ? site.baseUrl() + path : "http://host-" + (i % 1000) + ".example/img/" + i
                            + ".jpg");
                    r.put("page_url", "http://host-" + (i % 1000) + ".example/page/" + (i / 10) + ".html");
                    r.put("status", "live");
                    r.put("sha256", isDue ? ContentHash.sha256Hex(site.image(path)) : ContentHash.sha256Hex(
                            Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                    r.put("last_fetch", now - 86_400_000L);
                    r.put("next_due", isDue ? now - 1000 : now + 86_400_000L);
                    r.put("interval_s", 86_400L);
                    r.put("fetches", 1);
                    r.put("changes", 0);
                    w.write(r);
                }
            }
            System.out.printf(Locale.ROOT, "state: %,d URLs (%,d due), %.1f MB, written in %.1f s%n", urls, due,
                    Files.size(tmp.resolve("crawl/state/state.parquet")) / 1e6, (System.nanoTime() - w0) / 1e9);
            Config cfg = bench.main.config().with("crawler.allow_private_hosts", "127.0.0.1", "bench")
                    .with("crawler.politeness_delay_ms", "0", "bench").with("crawler.threads", "8", "bench");
            System.gc();
            long heap0 = usedHeap();
            long t0 = System.nanoTime();
            String summary = spark ? dev.facepipe.fetch.RecrawlSparkJob.run(cfg, out, "bench", now + 1000, false).summary()
                    : RecrawlJob.run(cfg, out, "bench", now + 1000).summary();
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "recrawl%s: %s in %.1f s; peak RSS %d MB (heap before %d MB)%n",
                    spark ? " --spark (" + cfg.getString("job.spark_master") + ", one JVM for driver and executor)" : "",
                    summary, secs, BenchCommand.peakRssMb(), heap0 >> 20);
        } finally {
            org.apache.commons.io.FileUtils.deleteQuietly(tmp.toFile());
        }
        return 0;
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}

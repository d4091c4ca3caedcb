package dev.facepipe.bench;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.model.Machine;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.crawler.CrawlJob;
import dev.facepipe.crawler.RecrawlJob;
import dev.facepipe.storage.AvroParquetFiles;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.avro.generic.GenericRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "nightly", mixinStandardHelpOptions = true,
        description = "The nightly re-crawl over simulated nights on a loopback web that changes (ChangingWeb: hot"
                + " images change half the nights, new images appear on known pages, some leave): bytes and requests"
                + " the adaptive schedule fetched against a full re-crawl each night, and nights until a new image,"
                + " a change and a 404 are fetched (1: the night it happened). Time is simulated, not slept.")
final class BenchNightlyCommand implements Callable<Integer> {
    private static final long DAY = 86_400_000L;

    @ParentCommand
    BenchCommand bench;

    @Option(names = "--photos", required = true, split = ",", paramLabel = "FILE", description = "A photo to serve"
            + " (each image is its bytes and a tag).")
    List<Path> photos;

    @Option(names = "--hosts", description = "Hosts (default: ${DEFAULT-VALUE}).")
    int hosts = 10;

    @Option(names = "--pages", description = "Pages a host (default: ${DEFAULT-VALUE}).")
    int pages = 5;

    @Option(names = "--images", description = "Images a page at first (default: ${DEFAULT-VALUE}).")
    int images = 10;

    @Option(names = "--page-kb", description = "Markup a page carries besides its images, KB (default:"
            + " ${DEFAULT-VALUE}, about the median HTML page of the web).")
    int pageKb = 30;

    @Option(names = "--nights", description = "Nights (default: ${DEFAULT-VALUE}).")
    int nights = 14;

    @Option(names = "--hot", description = "Share of images that change half the nights; the rest never change"
            + " (default: ${DEFAULT-VALUE}).")
    double hot = 0.1;

    @Option(names = "--new", description = "Images added a night (default: ${DEFAULT-VALUE}).")
    int added = 5;

    @Option(names = "--removed", description = "Images removed a night, half answering 404, half only no longer"
            + " shown (default: ${DEFAULT-VALUE}).")
    int removed = 2;

    @Override
    public Integer call() throws Exception {
        Path tmp = Files.createTempDirectory("facepipe-bench-nightly-");
        try (ChangingWeb web = new ChangingWeb(Files.readAllBytes(photos.get(0)), hosts, pages, images, hot, pageKb, 7)) {
            Config cfg = bench.main.config().with("crawler.allow_private_hosts", web.hostList(), "bench")
                    .with("crawler.politeness_delay_ms", "0", "bench")
                    .with("crawler.work_dir", tmp.resolve("work").toString(), "bench");
            HadoopFiles files = HadoopFiles.fromConfig(cfg);
            String out = tmp.resolve("crawl").toString();
            long t0 = System.currentTimeMillis();
            CrawlJob.run(cfg, web.seeds(), out, "n0");
            System.out.printf(Locale.ROOT, "nightly (%s): %d hosts x %d pages x %d images, %d nights, %.0f%% hot,"
                    + " +%d and -%d images a night; first crawl %.1f MB in %d requests%n", Machine.cpu(), hosts, pages,
                    images, nights, hot * 100, added, removed, web.bytes.get() / 1e6, web.requests.get());
            long bytes = 0, requests = 0, fullBytes = 0, fullRequests = 0, notModified = 0, fullHtml = 0;
            long html0 = web.pageBytes.get(), pages0 = web.pageRequests.get(), pages304 = web.pagesNotModified.get();
            double seconds = 0;
            List<Integer> newDelays = new ArrayList<>(), changeDelays = new ArrayList<>(), goneDelays = new ArrayList<>();
            int agedOut = 0;
            for (int n = 1; n <= nights; n++) {
                web.night(n, added, removed);
                long[] full = web.fullCrawl();
                fullBytes += full[0];
                fullRequests += full[1];
                fullHtml += full[2];
                long b0 = web.bytes.get(), r0 = web.requests.get(), m0 = web.notModified.get();
                long s0 = System.nanoTime();
                // the run an hour after midnight, as the first crawl an hour before: whole days between fetches
                RecrawlJob.run(cfg, out, "n" + n, t0 + n * DAY + 3_600_000L, false);
                seconds += (System.nanoTime() - s0) / 1e9;
                bytes += web.bytes.get() - b0;
                requests += web.requests.get() - r0;
                notModified += web.notModified.get() - m0;
                for (String run : List.of("n" + n + "-discovery", "n" + n)) {
                    for (GenericRecord r : AvroParquetFiles.readAll(files, new CrawlLayout(out).manifests() + "/run_id="
                            + run)) {
                        ChangingWeb.Image i = image(web, r.get("url").toString());
                        if (i == null) continue;
                        CrawlStatus s = CrawlStatus.of(r.get("status"));
                        if (s == CrawlStatus.FETCHED && i.pendingSince > 0) {
                            (i.fetchedVersion < 0 && i.version == 0 ? newDelays : changeDelays).add(n - i.pendingSince + 1);
                            i.pendingSince = 0;
                        }
                        if (s == CrawlStatus.FETCHED) i.fetchedVersion = i.version;
                        if (s == CrawlStatus.GONE && i.goneSince > 0) {
                            goneDelays.add(n - i.goneSince + 1);
                            i.goneSince = 0;
                        } else if (s == CrawlStatus.GONE && i.served) {
                            agedOut++;
                        }
                    }
                }
            }
            int pendingChanges = 0, unseenNew = 0;
            for (ChangingWeb.Image i : web.images) {
                if (i.pendingSince > 0 && i.served && i.shown) {
                    if (i.fetchedVersion < 0) unseenNew++;
                    else pendingChanges++;
                }
            }
            System.out.printf(Locale.ROOT, "adaptive schedule: %.1f MB in %d requests (%d images answered 304) over %d nights"
                    + " = %.1f%% of the bytes and %.1f%% of the requests of a full re-crawl each night (%.1f MB, %d"
                    + " requests); %.1f s a night%n", bytes / 1e6, requests, notModified, nights, 100.0 * bytes / fullBytes,
                    100.0 * requests / fullRequests, fullBytes / 1e6, fullRequests, seconds / nights);
            long pageAnswers = web.pageRequests.get() - pages0, html = web.pageBytes.get() - html0;
            System.out.printf(Locale.ROOT, "pages: %d asked, %d answered 304 (read from the kept copy); %.1f MB of HTML"
                    + " = %.1f%% of a full re-read each night (%.1f MB)%n", pageAnswers,
                    web.pagesNotModified.get() - pages304, html / 1e6, 100.0 * html / fullHtml, fullHtml / 1e6);
            System.out.println("new images: " + delays(newDelays) + (unseenNew > 0 ? ", " + unseenNew + " not yet" : ""));
            System.out.println("changed images: " + delays(changeDelays) + ", " + pendingChanges + " changes not yet"
                    + " fetched at the end");
            System.out.printf(Locale.ROOT, "404s: %s; images no page shows any more, aged out after"
                    + " recrawl.unreferenced_grace_s=%d: %d%n", delays(goneDelays),
                    cfg.getLong("recrawl.unreferenced_grace_s"), agedOut);
        } finally {
            org.apache.commons.io.FileUtils.deleteQuietly(tmp.toFile());
        }
        return 0;
    }

    /** The image behind one of the web's URLs (null for another URL). */
    private static ChangingWeb.Image image(ChangingWeb web, String url) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("/img/(\\d+)\\.jpg$").matcher(url);
        if (!m.find()) return null;
        int id = Integer.parseInt(m.group(1));
        return id < web.images.size() ? web.images.get(id) : null;
    }

    /** "N fetched, the night it happened X%, mean M nights, at most K" (1 = the night it happened). */
    static String delays(List<Integer> d) {
        if (d.isEmpty()) return "0 fetched";
        long first = d.stream().filter(x -> x == 1).count();
        return String.format(Locale.ROOT, "%d fetched, %.1f%% the night it happened, mean %.2f nights, at most %d",
                d.size(), 100.0 * first / d.size(), d.stream().mapToInt(Integer::intValue).average().orElse(0),
                d.stream().mapToInt(Integer::intValue).max().orElse(0));
    }

}

package dev.facepipe.cli;

import dev.facepipe.crawler.CrawlJob;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "crawl", mixinStandardHelpOptions = true,
        description = "Crawl from the seeds (within crawler.allowed_hosts, or the seeds' hosts), honouring robots.txt,"
                + " robots meta tags and X-Robots-Tag; images go to OUT/blobs by sha256 and one manifest row per image"
                + " URL to OUT/manifests/run_id=ID. Ingest reads OUT directly.")
final class CrawlCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--seed", required = true, split = ",", paramLabel = "URL", description = "Start URLs.")
    List<String> seeds;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "Crawl root (local or s3a://).")
    String out;

    @Mixin
    RunIds.RunId runId;

    @Option(names = "--spark", description = "Crawl on Spark, cut by host: a crawler a task on the hosts of its seeds"
            + "; links to pages on other hosts are read in later rounds (crawler.spark_rounds), images pages show on"
            + " other hosts fetched after, by host. The same pages, blobs and manifest rows.")
    boolean spark;

    @Override
    public Integer call() throws Exception {
        if (spark) {
            dev.facepipe.fetch.CrawlSparkJob.Result r = dev.facepipe.fetch.CrawlSparkJob.run(main.config(), seeds, out,
                    runId.value);
            System.out.println("crawl " + r.runId() + ": " + r.summary());
            System.out.println("manifest " + r.manifest().manifest());
            return 0;
        }
        CrawlJob.Result r = CrawlJob.run(main.config(), seeds, out, runId.value);
        System.out.println("crawl " + r.runId() + ": " + r.summary());
        System.out.println("manifest " + r.manifest());
        return 0;
    }
}

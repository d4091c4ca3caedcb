package dev.facepipe.cli;

import dev.facepipe.fetch.FetchJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = "Fetch a list of image URLs on Spark (the img2dataset use case) into a crawl root: the list is cut"
                + " into tasks by host, each task fetching its hosts at their own pace (crawler.politeness_delay_ms,"
                + " robots.txt read once a host and honoured, its Crawl-delay too) within every crawl limit; blobs"
                + " by sha256 under OUT/blobs and one manifest row a URL under OUT/manifests/run_id=ID, so ingest and"
                + " recrawl read OUT as they read a crawl's.")
final class FetchCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--urls", required = true, paramLabel = "FILE_OR_DIR",
            description = "The URL list: Parquet or CSV with a url column (optional page_url and caption), or text with"
                    + " one URL a line; a file or a folder of them (local or s3a://).")
    String urls;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "Crawl root (local or s3a://).")
    String out;

    @Mixin
    RunIds.RunId runId;

    @Override
    public Integer call() throws Exception {
        FetchJob.Result r = FetchJob.run(main.config(), urls, out, runId.value);
        System.out.println("fetch " + r.runId() + ": " + r.summary());
        System.out.println("manifest " + r.manifest());
        return 0;
    }
}

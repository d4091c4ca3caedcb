package dev.facepipe.cli;

import dev.facepipe.crawler.DemoSite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "demo-site", mixinStandardHelpOptions = true,
        description = "Serve the demo web site (built from the given photos) on a free loopback port until stopped;"
                + " writes its base URL to --url-file.")
final class DemoSiteCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--photos", required = true, split = ",", paramLabel = "FILE", description = "Photos to show.")
    List<Path> photos;

    @Option(names = "--url-file", required = true, paramLabel = "FILE", description = "Where to write the base URL.")
    Path urlFile;

    @Option(names = "--archive-pages", paramLabel = "N", description = "Extra archive pages of photos, "
            + DemoSite.ARCHIVE_IMAGES_PER_PAGE + " images each (default: ${DEFAULT-VALUE}).")
    int archivePages = 0;

    @Override
    public Integer call() throws Exception {
        try (DemoSite site = DemoSite.start(photos, archivePages)) {
            Files.writeString(urlFile, site.baseUrl() + "\n");
            System.out.println("demo site at " + site.baseUrl());
            Thread.currentThread().join(); // until the process is stopped
        }
        return 0;
    }
}

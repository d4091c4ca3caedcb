package dev.facepipe.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A crawl root is known by its declaration, never by the folders it happens to have. */
class CrawlLayoutTest {
    private final HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());

    @Test
    void aDeclaredRootIsACrawlAndAFolderWithAManifestsFolderIsNot(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("photos/manifests"));
        assertFalse(new CrawlLayout(tmp.resolve("photos").toString()).isCrawl(files));

        CrawlLayout crawl = new CrawlLayout(tmp.resolve("crawl").toString());
        crawl.declare(files);
        crawl.declare(files); // every writer declares: once is kept
        assertTrue(crawl.isCrawl(files));
        assertEquals("{\"kind\": \"facepipe-crawl\", \"layout\": " + CrawlLayout.LAYOUT + "}",
                Files.readString(tmp.resolve("crawl/crawl.json")).strip());
    }

    @Test
    void anUnknownLayoutAndAnUndeclaredCrawlAreRefusedWithTheFix(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("next"));
        Files.writeString(tmp.resolve("next/crawl.json"), "{\"kind\": \"facepipe-crawl\", \"layout\": 2}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CrawlLayout(tmp.resolve("next").toString()).isCrawl(files));
        assertTrue(e.getMessage().contains("layout this version does not read"), e.getMessage());

        Files.createDirectories(tmp.resolve("old/manifests/run_id=r1"));
        Files.createDirectories(tmp.resolve("old/blobs/ab"));
        e = assertThrows(IllegalArgumentException.class, () -> new CrawlLayout(tmp.resolve("old").toString()).isCrawl(files));
        assertTrue(e.getMessage().contains("facepipe recrawl --out " + tmp.resolve("old")), e.getMessage());
    }
}

package dev.facepipe.core.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The crawl manifest's status column is the enum's codes, no more, no fewer, and old text manifests still read. */
class CrawlStatusTest {
    @Test
    void theSchemaEnumIsTheJavaEnum() {
        assertEquals(Arrays.stream(CrawlStatus.values()).map(CrawlStatus::code).toList(),
                Schemas.CRAWL.getField("status").schema().getEnumSymbols());
    }

    @Test
    void readsSymbolsAndTextStatusesOfEarlierManifests() {
        assertEquals(CrawlStatus.FETCHED, CrawlStatus.of(CrawlStatus.FETCHED.symbol()));
        assertEquals(CrawlStatus.FETCHED, CrawlStatus.of(new org.apache.avro.util.Utf8("fetched")));
        assertEquals(CrawlStatus.HTTP_ERROR, CrawlStatus.of("http_404"));
        assertEquals(CrawlStatus.HTTP_ERROR, CrawlStatus.of("http_error"));
        assertThrows(IllegalArgumentException.class, () -> CrawlStatus.of("maybe"));
    }
}

package dev.facepipe.core.schema;

import java.util.Locale;
import org.apache.avro.generic.GenericData;

/**
 * How a crawl or recrawl ended for one image URL: the terminal status of every crawl manifest row
 * (an Avro enum in crawl.avsc, so a row cannot carry any other). The code (lower-case name) is what
 * the Parquet rows carry; the description is for people reading them.
 */
public enum CrawlStatus {
    FETCHED("the bytes are an image, stored in the blob store under their sha256"),
    REDIRECTED("the URL redirects; its target has a row of its own"),
    NOT_IMAGE("the bytes are not an image format the engine reads"),
    HTTP_ERROR("the server answered with an error status (http_status)"),
    TOO_LARGE("larger than crawler.max_bytes"),
    REFUSED("the address is not public (SSRF guard) or the scheme is not http(s)"),
    ROBOTS("disallowed by robots.txt"),
    FETCH_ERROR("the content could not be read, after every retry"),
    ERROR("the connection failed, after every retry"),
    UNFETCHED("queued, but the crawl ended before it was fetched"),
    GONE("a recrawl found the URL gone (404 or 410, or no page shows it any more)"),
    SKIPPED("not fetched by rule: not an http(s) reference (javascript:, data:), or over crawler.max_images_per_page");

    private final String description;

    CrawlStatus(String description) {
        this.description = description;
    }

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String description() {
        return description;
    }

    /** The value an Avro record of {@link Schemas#CRAWL} takes in its status field. */
    public GenericData.EnumSymbol symbol() {
        return Symbols.ALL[ordinal()];
    }

    /** Each status's Avro symbol, made once (immutable, so shared by every row). */
    private static final class Symbols {
        static final GenericData.EnumSymbol[] ALL = java.util.Arrays.stream(values())
                .map(c -> new GenericData.EnumSymbol(Schemas.CRAWL.getField("status").schema(), c.code()))
                .toArray(GenericData.EnumSymbol[]::new);
    }

    /** The status of a manifest row's value (an enum symbol, or a string in manifests written as text). */
    public static CrawlStatus of(Object value) {
        String s = String.valueOf(value);
        if (s.startsWith("http_") && !s.equals("http_error")) return HTTP_ERROR; // manifests before the enum
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}

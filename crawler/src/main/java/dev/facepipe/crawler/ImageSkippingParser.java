package dev.facepipe.crawler;

import dev.facepipe.core.image.ImageFormat;
import edu.uci.ics.crawler4j.crawler.CrawlConfig;
import edu.uci.ics.crawler4j.crawler.Page;
import edu.uci.ics.crawler4j.crawler.exceptions.ParseException;
import edu.uci.ics.crawler4j.parser.BinaryParseData;
import edu.uci.ics.crawler4j.parser.NotAllowedContentException;
import edu.uci.ics.crawler4j.parser.Parser;
import java.util.Set;

/**
 * crawler4j's parser, except for image bytes: those it would hand to Tika's auto-detect parser for
 * their metadata (about half of the crawler's CPU on a photo site), which nothing here reads.
 * Images are recognised by their bytes, whatever the content type says.
 */
final class ImageSkippingParser extends Parser {
    ImageSkippingParser(CrawlConfig config) throws IllegalAccessException, InstantiationException {
        super(config);
    }

    @Override
    public void parse(Page page, String contextUrl) throws NotAllowedContentException, ParseException {
        byte[] b = page.getContentData();
        if (b != null && ImageFormat.sniff(b) != null) {
            BinaryParseData d = new BinaryParseData();
            d.setOutgoingUrls(Set.of());
            page.setParseData(d);
            return;
        }
        super.parse(page, contextUrl);
    }
}

package dev.facepipe.crawler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImageExtractorTest {
    @Test
    void everyKindOfImageReferenceIsFound() {
        String html = """
            <html><head>
              <meta property="og:image" content="/og.jpg">
              <meta name="twitter:image" content="https://cdn.example.test/tw.jpg">
            </head><body>
              <img src="a.jpg" alt="Alice">
              <img src="small.jpg" srcset="small.jpg 320w, big.jpg 1280w, mid.jpg 640w" alt="set">
              <img src="placeholder.gif" data-src="/lazy.jpg" alt="lazy">
              <img data-srcset="l1.jpg 1x, l2.jpg 2x">
              <picture><source srcset="p-400.webp 400w, p-1600.webp 1600w"><img src="p.jpg" alt="pic"></picture>
              <img src="data:image/png;base64,AAAA">
              <img src="ftp://example.test/x.jpg">
              <img src="a.jpg" alt="again">
            </body></html>""";
        List<ImageRef> refs = ImageExtractor.extract(html, "http://example.test/dir/page.html");
        List<String> urls = refs.stream().map(ImageRef::url).toList();
        assertEquals(List.of("http://example.test/dir/a.jpg", "http://example.test/dir/big.jpg",
                "http://example.test/lazy.jpg", "http://example.test/dir/l2.jpg", "http://example.test/dir/p-1600.webp",
                "http://example.test/og.jpg", "https://cdn.example.test/tw.jpg"), urls);
        assertEquals("Alice", refs.get(0).alt());
        assertEquals("srcset", refs.get(1).via());
        assertEquals("lazy", refs.get(2).via());
        assertEquals("picture", refs.get(4).via());
        assertEquals("og:image", refs.get(5).via());
        assertTrue(refs.stream().allMatch(r -> r.pageUrl().equals("http://example.test/dir/page.html")));
    }

    @Test
    void robotsDirectivesFromMetaAndHeader() {
        assertTrue(RobotsDirectives.of("<meta name=robots content='noimageindex, follow'>", null, "facepipe")
                .blocksImages());
        assertTrue(RobotsDirectives.of("<meta name=ROBOTS content=NOINDEX>", null, "facepipe").noindex());
        assertTrue(RobotsDirectives.of("", "noai", "facepipe").noai());
        assertTrue(RobotsDirectives.of("", "facepipe: noimageindex", "facepipe").noimageindex());
        assertFalse(RobotsDirectives.of("", "otherbot: noindex", "facepipe").noindex(), "another robot's rule");
        assertFalse(RobotsDirectives.of("<meta name=googlebot content=noindex>", null, "facepipe").noindex());
        assertFalse(RobotsDirectives.of("<meta name=robots content='index, follow'>", "", "facepipe").blocksImages());
        assertTrue(RobotsDirectives.of("<meta name=robots content=none>", null, "facepipe").nofollow());
    }
}

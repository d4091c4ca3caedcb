package dev.facepipe.crawler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * Image URLs from a page: img src, srcset and picture/source (the largest candidate), the common
 * lazy-loading attributes (data-src, data-srcset, data-lazy-src, data-original), og:image and
 * twitter:image; with alt text and the page URL. Each URL once, first finding wins.
 */
public final class ImageExtractor {
    private ImageExtractor() {}

    private static final String[] LAZY_SRC = {"data-src", "data-lazy-src", "data-original"};

    public static List<ImageRef> extract(String html, String pageUrl) {
        Document doc = Jsoup.parse(html, pageUrl);
        Map<String, ImageRef> out = new LinkedHashMap<>();
        for (Element img : doc.select("img")) {
            String alt = img.attr("alt");
            String best = largest(img.attr("data-srcset"), img);
            String via = "lazy";
            if (best == null) {
                for (String a : LAZY_SRC) {
                    if (img.hasAttr(a) && !img.attr(a).isBlank()) {
                        best = img.absUrl(a);
                        break;
                    }
                }
            }
            if (best == null) {
                best = largest(img.attr("srcset"), img);
                via = "srcset";
            }
            if (best == null && img.hasAttr("src")) {
                best = img.absUrl("src");
                via = "img";
            }
            // A picture element's sources usually hold the larger renditions.
            Element picture = img.parent() != null && img.parent().tagName().equals("picture") ? img.parent() : null;
            if (picture != null) {
                for (Element source : picture.select("source")) {
                    String s = largest(source.attr("srcset"), source);
                    if (s != null) {
                        best = s;
                        via = "picture";
                        break;
                    }
                }
            }
            add(out, best, pageUrl, alt, via);
        }
        for (String prop : new String[] {"og:image", "og:image:url", "twitter:image", "twitter:image:src"}) {
            for (Element m : doc.select("meta[property=" + prop + "], meta[name=" + prop + "]")) {
                add(out, m.absUrl("content"), pageUrl, "", prop.startsWith("og") ? "og:image" : "twitter:image");
            }
        }
        return new ArrayList<>(out.values());
    }

    private static void add(Map<String, ImageRef> out, String url, String page, String alt, String via) {
        if (url == null || url.isBlank() || url.startsWith("data:")) return;
        String lower = url.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) return;
        out.putIfAbsent(url, new ImageRef(url, page, alt, via));
    }

    /** The candidate of a srcset with the largest width (w) or density (x) descriptor, absolute; or null. */
    static String largest(String srcset, Element base) {
        if (srcset == null || srcset.isBlank()) return null;
        String best = null;
        double bestSize = -1;
        for (String part : srcset.split(",(?=\\s*\\S)")) {
            String[] bits = part.strip().split("\\s+");
            if (bits.length == 0 || bits[0].isEmpty()) continue;
            double size = 1;
            if (bits.length > 1) {
                String d = bits[1].toLowerCase(Locale.ROOT);
                try {
                    size = Double.parseDouble(d.substring(0, d.length() - 1)) * (d.endsWith("x") ? 1000 : 1);
                } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                    size = 0;
                }
            }
            if (size > bestSize) {
                bestSize = size;
                best = bits[0];
            }
        }
        if (best == null) return null;
        try {
            return java.net.URI.create(base.baseUri()).resolve(best.replace(" ", "%20")).toString();
        } catch (IllegalArgumentException e) {
            return null; // a candidate that is no URL at all is skipped
        }
    }
}

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

    /**
     * A page's image references: the http(s) ones to fetch, each in its canonical form (the form
     * crawler4j fetches and reports, so wanted and fetched URLs match), and those that cannot be
     * fetched (javascript:, data:, ...), shortened, so each still gets a manifest row.
     */
    public record Refs(List<ImageRef> images, List<ImageRef> unfetchable) {}

    public static List<ImageRef> extract(String html, String pageUrl) {
        return extractAll(html, pageUrl).images();
    }

    public static Refs extractAll(String html, String pageUrl) {
        Document doc = Jsoup.parse(html, pageUrl);
        Map<String, ImageRef> out = new LinkedHashMap<>();
        Map<String, ImageRef> odd = new LinkedHashMap<>();
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
            if (best == null || best.isEmpty()) best = unfetchable(img);
            add(out, odd, best, pageUrl, alt, via);
        }
        for (String prop : new String[] {"og:image", "og:image:url", "twitter:image", "twitter:image:src"}) {
            for (Element m : doc.select("meta[property=" + prop + "], meta[name=" + prop + "]")) {
                add(out, odd, m.absUrl("content"), pageUrl, "", prop.startsWith("og") ? "og:image" : "twitter:image");
            }
        }
        return new Refs(new ArrayList<>(out.values()), new ArrayList<>(odd.values()));
    }

    /** An img's src as written when it is no http(s) URL (jsoup's absUrl gives "" for javascript: and data:). */
    private static String unfetchable(Element img) {
        String raw = img.attr("src").strip();
        return raw.isEmpty() || raw.startsWith("#") ? null : raw;
    }

    /** Longest form of a reference that cannot be fetched kept in its row (a data: URL can be megabytes). */
    static final int MAX_ODD_URL = 120;

    private static void add(Map<String, ImageRef> out, Map<String, ImageRef> odd, String url, String page, String alt,
            String via) {
        if (url == null || url.isBlank()) return;
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            String canonical = edu.uci.ics.crawler4j.url.URLCanonicalizer.getCanonicalURL(url);
            if (canonical != null) {
                out.putIfAbsent(canonical, new ImageRef(canonical, page, alt, via));
                return;
            }
        }
        String shown = url.length() <= MAX_ODD_URL ? url
                : url.substring(0, MAX_ODD_URL) + "...(" + url.length() + " characters)";
        odd.putIfAbsent(shown, new ImageRef(shown, page, alt, via));
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

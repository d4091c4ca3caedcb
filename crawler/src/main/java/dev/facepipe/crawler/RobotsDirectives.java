package dev.facepipe.crawler;

import java.util.Locale;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;

/**
 * What a page asks of robots, from its meta robots tags and its X-Robots-Tag header: noindex (do not
 * keep anything from the page), noimageindex and noai (do not take its images for an index or for
 * AI use), nofollow (do not follow its links). Values for other robots than ours are ignored.
 */
public record RobotsDirectives(boolean noindex, boolean noimageindex, boolean noai, boolean nofollow) {

    public static final RobotsDirectives NONE = new RobotsDirectives(false, false, false, false);

    /** True when the page's images must not be taken. */
    public boolean blocksImages() {
        return noindex || noimageindex || noai;
    }

    public static RobotsDirectives of(String html, String xRobotsTag, String userAgent) {
        RobotsDirectives d = NONE;
        if (html != null) {
            for (Element m : Jsoup.parse(html).select("meta[name]")) {
                String name = m.attr("name").toLowerCase(Locale.ROOT);
                if (name.equals("robots") || name.equals(userAgent.toLowerCase(Locale.ROOT))) {
                    d = d.merge(m.attr("content"));
                }
            }
        }
        if (xRobotsTag != null) {
            for (String part : xRobotsTag.split(",(?![^:,]*:)|;")) {
                String v = part.strip();
                int colon = v.indexOf(':');
                // "googlebot: noindex" applies to another robot; a plain value applies to all.
                if (colon > 0 && !v.substring(0, colon).contains(" ") && !v.substring(0, colon).equalsIgnoreCase(userAgent)
                        && !isDirective(v.substring(0, colon))) {
                    continue;
                }
                d = d.merge(colon > 0 && !isDirective(v.substring(0, colon)) ? v.substring(colon + 1) : v);
            }
        }
        return d;
    }

    private static boolean isDirective(String s) {
        String v = s.strip().toLowerCase(Locale.ROOT);
        return v.equals("unavailable_after") || v.equals("max-snippet") || v.equals("max-image-preview")
                || v.equals("max-video-preview");
    }

    private RobotsDirectives merge(String content) {
        boolean ni = noindex, nii = noimageindex, nai = noai, nf = nofollow;
        for (String t : content.toLowerCase(Locale.ROOT).split("[,\\s]+")) {
            switch (t) {
                case "noindex", "none" -> {
                    ni = true;
                    if (t.equals("none")) nf = true;
                }
                case "noimageindex" -> nii = true;
                case "noai", "noimageai" -> nai = true;
                case "nofollow" -> nf = true;
                default -> { }
            }
        }
        return new RobotsDirectives(ni, nii, nai, nf);
    }
}

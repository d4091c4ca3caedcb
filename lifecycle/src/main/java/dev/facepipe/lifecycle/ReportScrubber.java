package dev.facepipe.lifecycle;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes forgotten faces out of run reports: each report.html shows sample faces as inline crops
 * (img tags whose alt is the face id, see RunReport), which would otherwise keep a forgotten face
 * on disk for as long as the report. A crop of a forgotten face becomes a plain "forgotten" mark, so
 * the grid still says a face stood there.
 */
public final class ReportScrubber {
    private static final Pattern CROP = Pattern.compile("<img width=96 height=96 alt='([^']*)'[^>]*>");
    static final String MARK = "<span class=forgotten title='forgotten'>forgotten</span>";

    private ReportScrubber() {}

    /** The page with every crop of the given faces replaced; the same string when none is there. */
    public static String scrub(String html, Set<String> forgottenFaces) {
        Matcher m = CROP.matcher(html);
        StringBuilder out = new StringBuilder();
        boolean changed = false;
        while (m.find()) {
            boolean forget = forgottenFaces.contains(m.group(1));
            changed |= forget;
            m.appendReplacement(out, Matcher.quoteReplacement(forget ? MARK : m.group()));
        }
        if (!changed) return html;
        m.appendTail(out);
        return out.toString();
    }
}

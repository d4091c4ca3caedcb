package dev.facepipe.crawler;

import java.util.Locale;
import java.util.OptionalLong;

/**
 * The Crawl-delay a robots.txt asks of one user agent, in milliseconds. crawler4j's robots parser
 * drops the line, so it is read here. Groups as in RFC 9309: consecutive User-agent lines followed by
 * their rules; the group that names our product token (crawler.user_agent up to a "/" or a space,
 * any case) applies, else the "*" group; a delay outside any group, negative or unreadable is none.
 */
final class CrawlDelay {
    private CrawlDelay() {}

    static OptionalLong of(String robotsTxt, String userAgent) {
        String token = userAgent.strip().split("[/\\s]", 2)[0].toLowerCase(Locale.ROOT);
        int bestRank = 0; // 2: a group naming us, 1: the "*" group
        OptionalLong best = OptionalLong.empty();
        java.util.List<String> agents = new java.util.ArrayList<>();
        boolean inRules = false;
        Double delay = null;
        for (String raw : (robotsTxt + "\nuser-agent: \u0000end").split("\r\n|\r|\n")) {
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            if (key.equals("user-agent")) {
                if (inRules) { // the group before is complete
                    for (String a : agents) {
                        int rank = a.equals(token) ? 2 : a.equals("*") ? 1 : 0;
                        if (rank > bestRank) {
                            bestRank = rank;
                            best = delay == null ? OptionalLong.empty() : OptionalLong.of(Math.round(delay * 1000));
                        }
                    }
                    agents.clear();
                    delay = null;
                    inRules = false;
                }
                agents.add(value.toLowerCase(Locale.ROOT));
            } else {
                inRules = true;
                if (key.equals("crawl-delay") && !agents.isEmpty()) {
                    try {
                        double d = Double.parseDouble(value);
                        if (d >= 0 && Double.isFinite(d) && delay == null) delay = d;
                    } catch (NumberFormatException ignored) {
                        // an unreadable delay is no delay
                    }
                }
            }
        }
        return best;
    }
}

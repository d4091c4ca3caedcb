package dev.facepipe.crawler;

import dev.facepipe.core.config.Config;

/**
 * Adaptive re-fetch interval, as Nutch's AdaptiveFetchSchedule: shorter after a change (times
 * 1 - dec), longer when unchanged (times 1 + inc), kept between min and max.
 */
public record FetchSchedule(long initialS, long minS, long maxS, double inc, double dec) implements java.io.Serializable {

    public static FetchSchedule fromConfig(Config c) {
        return new FetchSchedule(c.getLong("recrawl.initial_interval_s"), c.getLong("recrawl.min_interval_s"),
                c.getLong("recrawl.max_interval_s"), c.getDouble("recrawl.inc_rate"), c.getDouble("recrawl.dec_rate"));
    }

    public long next(long intervalS, boolean changed) {
        double v = changed ? intervalS * (1 - dec) : intervalS * (1 + inc);
        return Math.max(minS, Math.min(maxS, Math.round(v)));
    }
}

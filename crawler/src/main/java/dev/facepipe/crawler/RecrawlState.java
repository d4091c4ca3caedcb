package dev.facepipe.crawler;

import dev.facepipe.core.schema.Schemas;
import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The recrawl schedule's rules, one URL's state row at a time (recrawl_state.avsc), shared by the
 * one-JVM recrawl and the recrawl on Spark: how a fetched manifest row joins the schedule, and how
 * a night's answer moves a URL's interval. State lives as Parquet under CRAWL/state: one file from
 * the one-JVM recrawl, one file a host bucket from Spark; either reads what the other wrote.
 */
public final class RecrawlState {
    private RecrawlState() {}

    /**
     * Whether a URL fetched at fetchedAt by a crawl run leaves the schedule's row as it is: the
     * schedule's own word on a live URL stands (its next conditional GET sees any change), and a row
     * fetched since is newer. joinedBefore: the row was itself joined in this pass (a later fetch wins).
     */
    public static boolean stands(GenericRecord old, boolean joinedBefore, long fetchedAt) {
        if (old == null) return false;
        if (!joinedBefore && old.get("status").toString().equals("live")) return true;
        return (Long) old.get("last_fetch") >= fetchedAt;
    }

    /** The schedule's new row for a fetched manifest row: live, due after the initial interval from its fetch (from notBefore when later). */
    public static GenericRecord fromFetch(GenericRecord m, FetchSchedule schedule, long notBefore) {
        long at = (Long) m.get("fetched_at");
        GenericRecord s = new GenericData.Record(Schemas.RECRAWL_STATE);
        s.put("url", m.get("url").toString());
        s.put("page_url", text(m.get("page_url")));
        s.put("alt", text(m.get("alt")));
        s.put("status", "live");
        s.put("etag", text(m.get("etag")));
        s.put("last_modified", text(m.get("last_modified")));
        s.put("sha256", m.get("sha256").toString());
        s.put("last_fetch", at);
        s.put("next_due", Math.max(at, notBefore) + schedule.initialS() * 1000);
        s.put("interval_s", schedule.initialS());
        s.put("fetches", 1);
        s.put("changes", 0);
        s.put("last_seen", at);
        return s;
    }

    /** A night's fetch of a due URL: its interval shrinks after a change and grows otherwise; it is due again after it. */
    public static void fetched(GenericRecord r, boolean changed, FetchSchedule schedule, long now) {
        long interval = schedule.next((Long) r.get("interval_s"), changed);
        r.put("interval_s", interval);
        r.put("last_fetch", now);
        r.put("next_due", now + interval * 1000);
        r.put("fetches", (Integer) r.get("fetches") + 1);
        if (changed) r.put("changes", (Integer) r.get("changes") + 1);
    }

    /** Every row under the state folder (or one file), by URL; fields an older file lacks read as null. */
    public static Map<String, GenericRecord> read(HadoopFiles files, String folder) throws IOException {
        Map<String, GenericRecord> state = new HashMap<>();
        dev.facepipe.storage.AvroParquetFiles.forEach(files, folder, g -> {
            GenericRecord s = normalized(g);
            state.put(s.get("url").toString(), s);
        });
        return state;
    }

    /** A row read from any state file as a row of today's schema, text as String. */
    public static GenericRecord normalized(GenericRecord g) {
        GenericRecord s = new GenericData.Record(Schemas.RECRAWL_STATE);
        for (var f : Schemas.RECRAWL_STATE.getFields()) {
            Object v = g.getSchema().getField(f.name()) == null ? null : g.get(f.name());
            s.put(f.name(), v instanceof CharSequence ? v.toString() : v);
        }
        return s;
    }

    private static String text(Object v) {
        return v == null ? null : v.toString();
    }
}

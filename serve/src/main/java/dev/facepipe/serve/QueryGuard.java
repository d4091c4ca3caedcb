package dev.facepipe.serve;

import dev.facepipe.core.config.Config;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.OptOutList;
import dev.facepipe.storage.Tombstones;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * What a search may never return, checked on every answer so it holds from the moment it is
 * recorded, not from the next index build: tombstones (forget and opt-out: a face, an image or a
 * URL) and faces that match an opt-out request (cosine at least optout.min_cosine to a requester's
 * embedding, the same rule ingest applies). The privacy store is re-read when its files change,
 * looked at no more than once a second.
 */
final class QueryGuard {
    private static final long LOOK_EVERY_MS = 1000;
    private final HadoopFiles files;
    private final Config cfg;
    private final String store;
    private volatile Tombstones tombstones = Tombstones.none();
    private volatile String tombstonesState = "";
    private volatile String blocklistState = "";
    private volatile long lookedAt;

    /** Why a hit is withheld, or null when it may be shown. */
    enum Why {
        FORGOTTEN, OPTED_OUT;

        String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    QueryGuard(HadoopFiles files, Config cfg) {
        this.files = files;
        this.cfg = cfg;
        this.store = Tombstones.store(cfg);
        refresh(true);
    }

    /** Re-reads the tombstones when their file changed (at most once a second unless forced). */
    synchronized void refresh(boolean force) {
        long now = System.currentTimeMillis();
        if (!force && now - lookedAt < LOOK_EVERY_MS) return;
        lookedAt = now;
        String t = state(store + "/" + Tombstones.FILE);
        if (!t.equals(tombstonesState)) {
            tombstones = Tombstones.load(files, store);
            tombstonesState = t;
        }
        blocklistState = state(store + "/blocklist.jsonl");
    }

    /** The blocklist's state: a key under which the opted-out face keys of a version are kept. */
    String blocklistState() {
        refresh(false);
        return blocklistState;
    }

    /** The opt-out requests of one embedding model. */
    OptOutList optOuts(String modelId) {
        return OptOutList.load(files, cfg, modelId);
    }

    Why withheld(Sidecars.Entry e, long key, Set<Long> optedOut) {
        refresh(false);
        if (e != null && tombstones.buries(e.faceId(), e.imageId(), e.source())) return Why.FORGOTTEN;
        if (optedOut.contains(key)) return Why.OPTED_OUT;
        return null;
    }

    /** Modification time and length, or "" when the file does not exist. */
    private String state(String path) {
        try {
            if (!files.exists(path)) return "";
            var st = files.fs(path).getFileStatus(new org.apache.hadoop.fs.Path(path));
            return st.getModificationTime() + ":" + st.getLen();
        } catch (IOException e) {
            return "unreadable:" + System.currentTimeMillis(); // read again next time
        }
    }

    static Set<Long> keysAtOrAbove(FanOut.Gathered g, double minCosine) {
        Set<Long> out = new HashSet<>();
        for (FanOut.Part p : g.parts()) {
            for (int j = 0; j < p.result().k(); j++) {
                long key = p.result().label(0, j);
                if (key >= 0 && p.result().distance(0, j) >= minCosine) out.add(key);
            }
        }
        return out;
    }
}

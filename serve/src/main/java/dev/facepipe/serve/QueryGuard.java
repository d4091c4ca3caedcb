package dev.facepipe.serve;

import dev.facepipe.core.config.Config;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.OptOutList;
import dev.facepipe.storage.Tombstones;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a search may never return, checked on every answer so it holds from the moment it is
 * recorded, not from the next index build: tombstones (forget and opt-out: a face, an image or a
 * URL) and faces that match an opt-out request (cosine at least optout.min_cosine to a requester's
 * embedding, the same rule ingest applies). The privacy store is looked at once a second by a
 * thread of its own and re-read when its files change, so a query never waits on storage; a store
 * that cannot be read keeps the last set read (and says so in the log).
 */
final class QueryGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueryGuard.class);
    private static final long LOOK_EVERY_MS = 1000;
    private final HadoopFiles files;
    private final Config cfg;
    private final String store;
    private volatile Tombstones tombstones = Tombstones.none();
    private volatile String tombstonesState = "";
    private volatile String blocklistState = "";
    private final ScheduledExecutorService looker;

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
        refresh();
        this.looker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "facepipe-privacy-store");
            t.setDaemon(true);
            return t;
        });
        looker.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (RuntimeException e) {
                LOG.warn("cannot read the privacy store {} ({}); still enforcing what was read before", store,
                        e.getMessage());
            }
        }, LOOK_EVERY_MS, LOOK_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    /** Re-reads the tombstones when their file changed, and notes the blocklist's state. */
    synchronized void refresh() {
        String t = state(store + "/" + Tombstones.FILE);
        if (!t.equals(tombstonesState)) {
            tombstones = Tombstones.load(files, store);
            tombstonesState = t;
        }
        blocklistState = state(store + "/blocklist.jsonl");
    }

    /** The blocklist's state: a key under which the opted-out face keys of a version are kept. */
    String blocklistState() {
        return blocklistState;
    }

    /** The opt-out requests of one embedding model. */
    OptOutList optOuts(String modelId) {
        return OptOutList.load(files, cfg, modelId);
    }

    Why withheld(Sidecars.Entry e, long key, Set<Long> optedOut) {
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

    @Override
    public void close() {
        looker.shutdownNow();
    }
}

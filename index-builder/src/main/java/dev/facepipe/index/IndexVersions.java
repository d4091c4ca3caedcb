package dev.facepipe.index;

import dev.facepipe.storage.HadoopFiles;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Old index versions go once newer ones are published: the newest index.keep_versions stay, the one
 * CURRENT names always stays (0 keeps every version). A version shares the shards an edit left
 * untouched with the version before it, so of an old version only what no kept version names is
 * deleted (the rest goes with the last version that names it). Folders that are not versions stay.
 */
final class IndexVersions {
    private static final Logger LOG = LoggerFactory.getLogger(IndexVersions.class);
    private static final Pattern VERSION = Pattern.compile("v-\\d{8}-\\d{6}-\\d{3}");
    /** A path inside a version: its version and the rest (the root may be spelt differently from run to run). */
    private static final Pattern INSIDE = Pattern.compile("/(" + VERSION.pattern() + ")/(.+)$");

    private IndexVersions() {}

    /** The versions to delete: all but the newest keep (names sort by age) and the current one. */
    static List<String> toDelete(List<String> folders, String current, int keep) {
        List<String> versions = new ArrayList<>();
        for (String f : folders) if (VERSION.matcher(f).matches()) versions.add(f);
        versions.sort(null);
        List<String> out = new ArrayList<>();
        if (keep <= 0) return out;
        for (int i = 0; i < versions.size() - keep; i++) if (!versions.get(i).equals(current)) out.add(versions.get(i));
        return out;
    }

    /** "version/rest" of a path inside a version folder, or null. */
    static String inside(String path) {
        Matcher m = INSIDE.matcher(path.replaceAll("/+$", ""));
        return m.find() ? m.group(1) + "/" + m.group(2) : null;
    }

    /** Deletes what {@link #toDelete} names, except what a kept version names; after CURRENT is written. */
    static void prune(HadoopFiles files, IndexLayout layout, int keep) {
        String current = files.readString(layout.pointer()).strip();
        List<String> folders = files.childFolders(layout.root());
        List<String> doomed = toDelete(folders, current, keep);
        if (doomed.isEmpty()) return;
        Set<String> named = new HashSet<>();
        for (String v : folders) {
            if (doomed.contains(v) || !VERSION.matcher(v).matches() || !files.exists(layout.manifest(v))) continue;
            for (IndexManifest.Shard sh : IndexManifest.fromJson(files.readString(layout.manifest(v))).shards()) {
                named.add(inside(sh.file()));
                named.add(inside(sh.sidecar()));
            }
        }
        for (String v : doomed) {
            if (named.stream().noneMatch(n -> n != null && n.startsWith(v + "/"))) {
                files.delete(layout.version(v));
                LOG.info("deleted index version {} (index.keep_versions={})", v, keep);
                continue;
            }
            files.delete(layout.manifest(v)); // no longer a version; its shards still in use stay
            for (String f : files.listFiles(layout.version(v))) {
                String rel = inside(f);
                if (rel != null && named.stream().noneMatch(n -> n != null && (rel.equals(n) || rel.startsWith(n + "/")))) {
                    files.delete(f);
                }
            }
            LOG.info("deleted index version {} but the shards a kept version still names", v);
        }
    }
}

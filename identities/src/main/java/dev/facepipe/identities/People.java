package dev.facepipe.identities;

import dev.facepipe.storage.HadoopFiles;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The published identities version as search reads it: a face's person, and a person's faces (best
 * linked first). Loaded whole (about 200 bytes a face).
 */
public final class People {
    private final PeopleManifest manifest;
    private final Map<Long, Identity> byFace;
    private final Map<Long, List<Identity>> byPerson = new HashMap<>();

    private People(PeopleManifest manifest, List<Identity> rows) {
        this.manifest = manifest;
        this.byFace = IdentityTable.byFaceKey(rows);
        for (Identity r : rows) byPerson.computeIfAbsent(r.personId(), p -> new ArrayList<>()).add(r);
        for (List<Identity> l : byPerson.values()) {
            l.sort((a, b) -> Double.compare(b.links() == 0 ? 0 : b.linkSum() / b.links(),
                    a.links() == 0 ? 0 : a.linkSum() / a.links()));
        }
    }

    /** The version PEOPLE/CURRENT names. */
    public static People open(HadoopFiles files, PeopleLayout layout) {
        if (!files.exists(layout.pointer())) {
            throw new IllegalArgumentException("no identities published under " + layout.root()
                    + " (no CURRENT); run facepipe cluster");
        }
        String v = files.readString(layout.pointer()).strip();
        return new People(PeopleManifest.fromJson(files.readString(layout.manifest(v))),
                IdentityTable.read(files, layout.table(v)));
    }

    public PeopleManifest manifest() {
        return manifest;
    }

    /** The face's row, or null when this version does not hold it (indexed since it was made). */
    public Identity of(long faceKey) {
        return byFace.get(faceKey);
    }

    /** The person's faces, those with the strongest links inside it first. */
    public List<Identity> faces(long personId) {
        return byPerson.getOrDefault(personId, List.of());
    }
}

package dev.facepipe.serve;

import dev.facepipe.identities.Identity;
import dev.facepipe.identities.People;
import dev.facepipe.identities.PeopleLayout;
import dev.facepipe.storage.HadoopFiles;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identities (facepipe cluster) beside the served index, INDEX/people: read again when
 * PEOPLE/CURRENT names another version, as the index is followed. Absent until the first cluster
 * run; a version of another model than the index's is not used. Which faces a person shows is the
 * service's decision (what the served version holds and does not withhold), not this table's.
 */
final class ServedPeople {
    private static final Logger LOG = LoggerFactory.getLogger(ServedPeople.class);
    private final HadoopFiles files;
    private final PeopleLayout layout;
    private volatile People people;

    ServedPeople(HadoopFiles files, String indexRoot) {
        this.files = files;
        this.layout = PeopleLayout.of(indexRoot, null);
    }

    /** Follows PEOPLE/CURRENT; a version that cannot be read leaves the one in use. */
    void refresh(String modelId) {
        try {
            if (!files.exists(layout.pointer())) {
                people = null;
                return;
            }
            String v = files.readString(layout.pointer()).strip();
            People now = people;
            if (now != null && now.manifest().version().equals(v)) return;
            People next = People.open(files, layout);
            if (!next.manifest().modelId().equals(modelId)) {
                LOG.warn("identities {} group {} faces, the served index {}: persons not answered until facepipe"
                        + " cluster runs on it", v, next.manifest().modelId(), modelId);
                people = null;
                return;
            }
            people = next;
            LOG.info("serving identities {}: {} faces in {} persons", v, next.manifest().faces(),
                    next.manifest().persons());
        } catch (RuntimeException e) {
            LOG.warn("cannot read the identities under {}: {}", layout.root(), e.getMessage());
        }
    }

    /** The face's person, or null (no identities, or a face indexed since they were made). */
    Long personOf(long faceKey) {
        People p = people;
        Identity i = p == null ? null : p.of(faceKey);
        return i == null ? null : i.personId();
    }

    /** The identities version in use, or null. */
    People current() {
        return people;
    }

    /** The person's rows, best linked first; empty when unknown. */
    List<Identity> members(long personId) {
        People p = people;
        return p == null ? List.of() : p.faces(personId);
    }
}

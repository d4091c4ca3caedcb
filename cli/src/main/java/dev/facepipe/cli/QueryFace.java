package dev.facepipe.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The face a command uses for a photo (verify, search, optout add, eval verification): the one the
 * caller names with --face N (1 = the detector's first), else {@link dev.facepipe.core.engine.MainFace}'s
 * rule. A photo without a usable face is a {@link Refused} with one line naming the photo.
 */
record QueryFace(Path photo, ImageResult result, int number, FaceResult face) {

    /** A photo that gave no usable face; the message names it and the reason. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /** @param wanted 1-based face number, or null for the rule's choice */
    static QueryFace of(FaceEngine engine, Path photo, Integer wanted) throws IOException, Refused {
        return of(engine.process(Files.readAllBytes(photo), photo.toString()), photo, wanted);
    }

    static QueryFace of(ImageResult r, Path photo, Integer wanted) throws Refused {
        if (!r.ok()) throw new Refused(r.message() + " (" + r.reason().code() + ")");
        int n = r.faces().size();
        if (wanted != null) {
            if (wanted < 1 || wanted > n) {
                throw new Refused("image " + photo + ": --face " + wanted + " but " + n + " face(s) were found");
            }
            FaceResult f = r.faces().get(wanted - 1);
            if (!f.accepted()) {
                throw new Refused("image " + photo + ": face " + wanted + " was rejected " + f.reason().code());
            }
            return new QueryFace(photo, r, wanted, f);
        }
        int i = r.mainFaceIndex();
        if (i < 0) {
            throw new Refused("image " + photo + ": " + n + " face(s) found, none accepted ("
                    + reasons(r) + ")");
        }
        return new QueryFace(photo, r, i + 1, r.faces().get(i));
    }

    private static String reasons(ImageResult r) {
        StringBuilder s = new StringBuilder();
        for (FaceResult f : r.faces()) {
            if (!s.isEmpty()) s.append(", ");
            s.append(f.reason().code());
            if (f.quality() != null) s.append(String.format(Locale.ROOT, " %.2f", f.quality().overall()));
        }
        return s.toString();
    }

    /** One line: how many faces, which one is used and why. */
    String summary(boolean chosenByRule) {
        return String.format(Locale.ROOT, "%s: %d face(s), using face %d%s (quality %.2f, box %.0f,%.0f,%.0f,%.0f)",
                photo, result.faces().size(), number, chosenByRule ? ", the main one" : "",
                face.quality().overall(), face.x1(), face.y1(), face.x2(), face.y2());
    }

    /** Every face of the photo, numbered as --face takes them, for a JSON answer. */
    void describeFaces(ArrayNode into) {
        int k = 0;
        for (FaceResult f : result.faces()) {
            k++;
            ObjectNode o = into.addObject();
            o.put("face", k);
            o.put("used", k == number);
            o.put("status", f.accepted() ? "ok" : f.reason().code());
            ArrayNode box = o.putArray("box");
            for (float v : new float[] {f.x1(), f.y1(), f.x2(), f.y2()}) box.add(Math.round(v));
            o.put("det_score", Math.round(f.detScore() * 1000) / 1000.0);
            if (f.quality() != null) o.put("quality", Math.round(f.quality().overall() * 1000) / 1000.0);
        }
    }
}

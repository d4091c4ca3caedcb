package dev.facepipe.ingest;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.OptOutList;
import dev.facepipe.storage.OptOutPhotos;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Step 0 of a re-embedding, before any image: every opt-out request gets an entry under the new
 * model, embedded again from its kept photo (the face whose box overlaps the request's most, else
 * the photo's main face), so the engine pass already drops the requester's faces. A request
 * without a kept photo, or whose photo now yields no face, cannot be carried: it is named.
 */
public final class OptOutCarry {
    private OptOutCarry() {}

    /**
     * @param carried requests given an entry under the model now
     * @param already requests that had one
     * @param notCarried request id to why it could not be carried
     */
    record Carried(int carried, int already, Map<String, String> notCarried) {}

    static Carried carry(HadoopFiles files, Config cfg, String modelId) {
        List<OptOutList.Request> all = OptOutList.requests(files, cfg);
        Set<String> have = new TreeSet<>();
        for (OptOutList.Request r : all) if (r.modelId().equals(modelId)) have.add(r.id());
        Map<String, OptOutList.Request> todo = new LinkedHashMap<>();
        for (OptOutList.Request r : all) {
            if (!have.contains(r.id())) todo.putIfAbsent(r.id(), r);
        }
        Map<String, String> notCarried = new LinkedHashMap<>();
        int carried = 0;
        FaceEngine engine = todo.isEmpty() ? null : FaceEngine.fromConfig(cfg);
        for (OptOutList.Request r : todo.values()) {
            byte[] photo = r.photoKept() ? OptOutPhotos.read(files, cfg, r.id()) : null;
            if (photo == null) {
                notCarried.put(r.id(), "its photo was not kept (optout.keep_photo was false when it was made)");
                continue;
            }
            ImageResult res = engine.process(photo, "opt-out request " + r.id());
            FaceResult f = res.ok() ? chosen(res, r.box()) : null;
            if (f == null || f.embedding() == null) {
                notCarried.put(r.id(), "its photo gives no accepted face under " + modelId
                        + (res.ok() ? "" : " (" + res.reason().code() + ")"));
                continue;
            }
            OptOutList.carry(files, cfg, r, f.embedding(), f.modelId());
            carried++;
        }
        return new Carried(carried, have.size(), notCarried);
    }

    /** The accepted face overlapping box most (intersection over union), or the main face when none does. */
    static FaceResult chosen(ImageResult r, float[] box) {
        FaceResult best = null;
        double bestIou = 0;
        if (box != null) {
            for (FaceResult f : r.faces()) {
                if (!f.accepted()) continue;
                double iou = iou(box, new float[] {f.x1(), f.y1(), f.x2(), f.y2()});
                if (iou > bestIou) {
                    bestIou = iou;
                    best = f;
                }
            }
        }
        if (best != null) return best;
        int i = r.mainFaceIndex();
        return i < 0 ? null : r.faces().get(i);
    }

    static double iou(float[] a, float[] b) {
        double w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
        double h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
        if (w <= 0 || h <= 0) return 0;
        double inter = w * h;
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
    }

    /** One line a request not carried (from a manifest's opt_outs_not_carried). */
    public static List<String> describe(Map<String, String> notCarried) {
        List<String> out = new ArrayList<>();
        notCarried.forEach((id, why) -> out.add("opt-out request " + id + " not carried: " + why
                + "; ask the requester for a photo and run optout add under the new model"));
        return out;
    }
}

package dev.facepipe.core.model;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.config.ConfigException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * One pinned ONNX model as declared in conf: where it comes from, its checksum, and how its input
 * must be prepared. Values are (pixel - mean) / std on 0..255 in the given colour order and layout;
 * mean and std hold one value for all channels or one per channel (in the model's colour order).
 */
public record ModelSpec(
        String name,
        String npmPackage,
        String file,
        String sha256,
        String license,
        String input,
        Layout layout,
        int width,
        int height,
        ColorOrder color,
        float[] mean,
        float[] std,
        List<String> outputs) implements Serializable {

    public enum Layout { NCHW, NHWC }

    public enum ColorOrder {
        RGB, BGR, GRAY;

        public int channels() {
            return this == GRAY ? 1 : 3;
        }
    }

    /** The fields each model.NAME block must declare (also checked by the config test). */
    public static final List<String> FIELDS = List.of(
            "package", "file", "sha256", "license", "input", "layout", "width", "height", "color", "mean", "std",
            "outputs");

    public static ModelSpec fromConfig(Config cfg, String name) {
        String p = "model." + name + ".";
        if (!cfg.has(p + "file")) {
            throw new ConfigException("model '" + name + "' is not declared in conf (no key " + p + "file)");
        }
        String sha = cfg.getString(p + "sha256").toLowerCase(Locale.ROOT);
        if (!sha.matches("[0-9a-f]{64}")) {
            throw new ConfigException("model '" + name + "': " + p + "sha256 must be the full 64-hex-digit sum, got '"
                    + sha + "'");
        }
        return new ModelSpec(name, cfg.getString(p + "package"), cfg.getString(p + "file"), sha,
                cfg.getString(p + "license"), cfg.getString(p + "input"),
                Layout.valueOf(cfg.getChoice(p + "layout", "nchw", "nhwc").toUpperCase(Locale.ROOT)),
                cfg.getInt(p + "width"), cfg.getInt(p + "height"),
                ColorOrder.valueOf(cfg.getChoice(p + "color", "rgb", "bgr", "gray").toUpperCase(Locale.ROOT)),
                floats(cfg, p + "mean"), floats(cfg, p + "std"), cfg.getList(p + "outputs"));
    }

    private static float[] floats(Config cfg, String key) {
        List<String> v = cfg.getList(key);
        if (v.size() != 1 && v.size() != 3) {
            throw new ConfigException(key + " must hold 1 value or 3 (one per channel), got " + v);
        }
        float[] f = new float[3];
        for (int i = 0; i < 3; i++) {
            try {
                f[i] = Float.parseFloat(v.get(v.size() == 1 ? 0 : i));
            } catch (NumberFormatException e) {
                throw new ConfigException(key + ": '" + v + "' is not a number list");
            }
        }
        return f;
    }

    /** Stable id written next to every embedding: name plus sha256 prefix. */
    /** The input tensor's shape for one image: {1, C, H, W} or {1, H, W, C}. */
    public long[] inputShape() {
        int c = color().channels();
        return layout() == Layout.NCHW ? new long[] {1, c, height(), width()} : new long[] {1, height(), width(), c};
    }

    public String id() {
        return name + "-" + sha256.substring(0, 8);
    }

    /**
     * The id faces embedded under this configuration carry (embed.model's id, "+flip" with
     * embed.flip): the one id every stage selects faces, opt-outs and indices by.
     */
    public static String embeddingId(Config cfg) {
        return fromConfig(cfg, cfg.getString("embed.model")).id() + (cfg.getBoolean("embed.flip") ? "+flip" : "");
    }

    /** Location under the models folder: PACKAGE/FILE, as scripts/setup.sh lays it out. */
    public Path pathUnder(Path modelsDir) {
        return modelsDir.resolve(npmPackage).resolve(file);
    }
}

package dev.facepipe.core.model;

import dev.facepipe.core.config.Config;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Every model declared in conf (model.NAME.* blocks). */
public final class ModelRegistry {
    private ModelRegistry() {}

    public static List<String> names(Config cfg) {
        Set<String> names = new LinkedHashSet<>();
        for (String k : cfg.keysWithPrefix("model.")) {
            String rest = k.substring("model.".length());
            int dot = rest.indexOf('.');
            if (dot > 0) names.add(rest.substring(0, dot));
        }
        return List.copyOf(names);
    }

    public static List<ModelSpec> all(Config cfg) {
        List<ModelSpec> out = new ArrayList<>();
        for (String n : names(cfg)) out.add(ModelSpec.fromConfig(cfg, n));
        return out;
    }
}

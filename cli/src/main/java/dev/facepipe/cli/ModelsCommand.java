package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.model.ModelException;
import dev.facepipe.core.model.ModelFiles;
import dev.facepipe.core.model.ModelRegistry;
import dev.facepipe.core.model.ModelSpec;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List the pinned models and check each file against its sha256 in conf.")
final class ModelsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        Config cfg = main.config();
        Path dir = cfg.getPath("models.dir");
        int bad = 0;
        for (ModelSpec m : ModelRegistry.all(cfg)) {
            String status;
            try {
                ModelFiles.verified(m, dir);
                status = "ok";
            } catch (ModelException e) {
                status = "FAILED: " + e.getMessage();
                bad++;
            }
            System.out.printf("%-14s %-22s %-12s %s%n", m.name(), m.id(), m.license(), status);
        }
        return bad == 0 ? 0 : 2;
    }
}

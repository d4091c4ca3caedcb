package dev.facepipe.cli;

import dev.facepipe.serve.AuditPage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "The search service's audit log as one self-contained HTML page: searches per day, key and route,"
                + " refusals, the faces returned most often and the latest searches.")
final class AuditCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--dir", paramLabel = "DIR", description = "Audit folder (default: serve.audit_dir).")
    Path dir;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The page to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path from = dir != null ? dir : main.config().getPath("serve.audit_dir");
        if (!Files.isDirectory(from)) {
            System.err.println("facepipe audit: no audit folder at " + from + " (serve.audit_dir); has serve run?");
            return 2;
        }
        Files.writeString(out, AuditPage.html(from));
        System.out.println("wrote " + out);
        return 0;
    }
}

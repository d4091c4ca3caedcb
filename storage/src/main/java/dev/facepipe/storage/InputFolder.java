package dev.facepipe.storage;

import dev.facepipe.core.RejectReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * What a folder of images holds for ingest, by one rule: a file or folder whose name starts with "."
 * is hidden (.DS_Store, .thumbnails, .git) and skipped, but counted; every other name is an input,
 * "_" names (cameras' _DSC0040.jpg) included. On a local disk only regular files are read: a FIFO,
 * device or socket, or a link that resolves outside the folder, is refused unopened with a reason;
 * links inside it are followed (a loop is refused too).
 */
public final class InputFolder {
    private InputFolder() {}

    /**
     * One input.
     *
     * @param source  the name it goes by, from ingest to search ("file:" and the absolute path, unescaped; or the
     *                storage path)
     * @param blob    where its bytes are read ({@link HadoopFiles#read} takes it as it is)
     * @param refusal why it is not read (a {@link RejectReason} code, a colon, what is wrong), or null
     */
    public record Entry(String source, String blob, String refusal) implements java.io.Serializable {}

    /** The inputs, sorted by source, and the hidden names skipped (counted in a run's manifest). */
    public record Listing(List<Entry> entries, List<String> hidden) {}

    public static boolean hidden(String name) {
        return name.startsWith(".");
    }

    public static Listing list(HadoopFiles files, String folder) {
        FileSystem fs = files.fs(folder);
        Listing l;
        try {
            l = fs instanceof org.apache.hadoop.fs.LocalFileSystem local
                    ? local(local.pathToFile(new org.apache.hadoop.fs.Path(folder)).toPath()) : remote(fs, folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        List<Entry> sorted = new ArrayList<>(l.entries());
        sorted.sort(Comparator.comparing(Entry::source));
        return new Listing(List.copyOf(sorted), List.copyOf(l.hidden()));
    }

    /** The "file:" name of a local path, as Hadoop prints it (unescaped), so names stay what they were. */
    public static String fileName(Path p) {
        return "file:" + p.toAbsolutePath().normalize();
    }

    private static Listing local(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) throw new IllegalArgumentException("input " + root + " does not exist");
        Path realRoot = root.toRealPath();
        List<Entry> out = new ArrayList<>();
        List<String> hidden = new ArrayList<>();
        if (!Files.isDirectory(realRoot)) {
            out.add(localEntry(root, realRoot.getParent()));
            return new Listing(out, hidden);
        }
        Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) throws IOException {
                        if (dir.equals(root)) return FileVisitResult.CONTINUE;
                        if (hidden(dir.getFileName().toString())) {
                            hidden.add(fileName(dir) + "/");
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        if (!dir.toRealPath().startsWith(realRoot)) {
                            out.add(new Entry(fileName(dir), fileName(dir), RejectReason.NOT_A_FILE.code()
                                    + ": a link to a folder outside the input folder (" + dir.toRealPath() + ")"));
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                        if (hidden(f.getFileName().toString())) hidden.add(fileName(f));
                        else out.add(localEntry(f, realRoot));
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path f, IOException e) {
                        if (hidden(f.getFileName().toString())) {
                            hidden.add(fileName(f));
                        } else {
                            String why = e instanceof java.nio.file.FileSystemLoopException
                                    ? RejectReason.NOT_A_FILE.code() + ": a link that loops back to a folder above it"
                                    : RejectReason.UNREADABLE.code() + ": " + e;
                            out.add(new Entry(fileName(f), fileName(f), why));
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
        return new Listing(out, hidden);
    }

    /** A local file as an input: read only when it resolves to a regular file inside the root. */
    private static Entry localEntry(Path f, Path realRoot) {
        String name = fileName(f);
        try {
            Path real = f.toRealPath();
            if (!real.startsWith(realRoot)) {
                return new Entry(name, name, RejectReason.NOT_A_FILE.code() + ": a link to " + real
                        + ", outside the input folder");
            }
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                return new Entry(name, name, RejectReason.NOT_A_FILE.code() + ": "
                        + (a.isOther() ? "a FIFO, device or socket" : "not a regular file") + ", never opened");
            }
            return new Entry(name, name, null);
        } catch (java.nio.file.NoSuchFileException e) {
            return new Entry(name, name, RejectReason.NOT_A_FILE.code() + ": a link to nothing (" + e.getMessage() + ")");
        } catch (IOException e) {
            return new Entry(name, name, RejectReason.UNREADABLE.code() + ": " + e);
        }
    }

    /** Object stores hold neither links nor devices: every visible object is an input. */
    private static Listing remote(FileSystem fs, String folder) throws IOException {
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(folder);
        if (!fs.exists(root)) throw new IllegalArgumentException("input " + folder + " does not exist");
        List<Entry> out = new ArrayList<>();
        List<String> hidden = new ArrayList<>();
        String rootPath = fs.getFileStatus(root).getPath().toUri().getPath();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
        while (it.hasNext()) {
            LocatedFileStatus f = it.next();
            if (!f.isFile()) continue;
            String path = f.getPath().toUri().getPath();
            String rel = path.substring(Math.min(path.length(), rootPath.length()));
            boolean isHidden = false;
            for (String part : rel.split("/")) isHidden |= hidden(part);
            // The URI form is what reads it back exactly (a %, : or space in a key survives it).
            if (isHidden) hidden.add(f.getPath().toString());
            else out.add(new Entry(f.getPath().toString(), f.getPath().toUri().toString(), null));
        }
        return new Listing(out, hidden);
    }
}

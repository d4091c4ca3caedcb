package dev.facepipe.cli;

import dev.facepipe.core.RejectedException;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.core.eval.Degradation;
import dev.facepipe.core.image.DecodedImage;
import dev.facepipe.core.image.Decoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Writes degraded copies of labelled photos and the pairs file over all of them, so quality
 * measures can be judged (`eval quality`) where real hard photos are few.
 */
@Command(name = "degrade", mixinStandardHelpOptions = true,
        description = "Write each photo (csv: file,person) with its degradations (blur, noise, small, bright,"
                + " sunglasses, mask; sized by the face) into OUT, OUT/photos.csv (photo,identity), and OUT/pairs.csv: each photo as given against"
                + " every other photo and degradation, same when the person is (as an enrolled photo meets a web photo).")
final class DegradeCommand implements Callable<Integer> {
    @ParentCommand
    EvalCommand eval;

    @Option(names = "--photos", required = true, paramLabel = "CSV", description = "file,person per line.")
    Path photos;

    @Option(names = "--root", paramLabel = "DIR", description = "Folder the csv's paths are relative to.")
    Path root = Path.of(".");

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write into.")
    Path out;

    private record Written(String file, String person, boolean original) {}

    @Override
    public Integer call() throws IOException {
        FaceEngine engine = FaceEngine.fromConfig(eval.main.config().with("quality.min_score", "0", "eval degrade"));
        Files.createDirectories(out);
        List<Written> written = new ArrayList<>();
        int line = 0;
        for (String raw : Files.readAllLines(photos)) {
            line++;
            String l = raw.strip();
            if (l.isEmpty() || l.startsWith("#") || (line == 1 && l.equalsIgnoreCase("file,person"))) continue;
            String[] f = l.split(",");
            if (f.length < 2) throw new IllegalArgumentException(photos + " line " + line + ": want file,person");
            Path p = root.resolve(f[0].strip());
            String person = f[1].strip();
            byte[] bytes = Files.readAllBytes(p);
            ImageResult r = engine.process(bytes, p.toString());
            FaceResult face = r.mainFace();
            if (face == null || face.landmarks5() == null) {
                System.out.println("skipped " + p + ": " + (r.ok() ? "no usable face" : r.message()));
                continue;
            }
            String stem = stem(p);
            Path copy = out.resolve(stem + "." + r.header().format().name().toLowerCase(Locale.ROOT));
            Files.write(copy, bytes);
            written.add(new Written(copy.getFileName().toString(), person, true));
            try (DecodedImage img = Decoder.upright(bytes, p.toString())) {
                for (Degradation d : Degradation.values()) {
                    String name = stem + "__" + d.code() + ".jpg";
                    try (Mat m = d.apply(img.bgr(), face.landmarks5(), name.hashCode())) {
                        opencv_imgcodecs.imwrite(out.resolve(name).toString(), m);
                    }
                    written.add(new Written(name, person, false));
                }
            } catch (RejectedException e) {
                System.out.println("skipped " + p + ": " + e.getMessage());
            }
        }
        List<String> pairs = new ArrayList<>(List.of("file_x,file_y,same"));
        int same = 0;
        for (int i = 0; i < written.size(); i++) {
            for (int j = i + 1; j < written.size(); j++) {
                if (!written.get(i).original() && !written.get(j).original()) continue;
                boolean s = written.get(i).person().equals(written.get(j).person());
                if (s) same++;
                pairs.add(written.get(i).file() + "," + written.get(j).file() + "," + (s ? "yes" : "no"));
            }
        }
        Files.write(out.resolve("pairs.csv"), pairs);
        List<String> labelled = new ArrayList<>(List.of("photo,identity"));
        for (Written w : written) labelled.add(w.file() + "," + w.person());
        Files.write(out.resolve("photos.csv"), labelled); // for eval cluster and eval search
        System.out.printf(Locale.ROOT, "wrote %d photos, %s and %s (%d pairs: same %d, different %d)%n",
                written.size(), out.resolve("photos.csv"), out.resolve("pairs.csv"), pairs.size() - 1, same, pairs.size() - 1 - same);
        return 0;
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}

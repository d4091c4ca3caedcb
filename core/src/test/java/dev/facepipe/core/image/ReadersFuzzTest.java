package dev.facepipe.core.image;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.facepipe.core.RejectedException;

/**
 * Coverage-guided fuzzing (Jazzer) of everything that reads an image's bytes before the face
 * models: format sniffing, the header and structure checks, the EXIF walks of every container, the
 * budget, the PNG chunk filter and the decoders. The contract: a reason (RejectedException) or
 * pixels, nothing else, whatever the bytes.
 *
 * <p>Plain {@code mvn test} runs the inputs under ReadersFuzzTestInputs/ (seeds, and every crash
 * found, kept as a regression input). Core's build then fuzzes it for 30 s in a surefire run of its
 * own (JAZZER_FUZZ=1). Each run starts from the corpus the last one grew (core/.cifuzz-corpus, not
 * committed), so a longer campaign is that run repeated: {@code for i in $(seq 20); do mvn -q -pl core
 * test-compile surefire:test@fuzz; done}. A finding is written beside the seeds: name it, keep it,
 * fix the reader. The dictionary (ReadersFuzzTest.dict) holds the signatures, markers, chunk and tag
 * names the readers branch on; the seeds run from a few bytes to ~30 KB (multi-scan, multi-frame and
 * multi-page files among them).
 */
class ReadersFuzzTest {
    /** Small, so that a decode the fuzzer reaches stays fast; the checks are the same at any size. */
    private static final ImageBudget BUDGET = new ImageBudget(4_000_000, 16_000_000, 100, 0, 0);

    @FuzzTest(maxDuration = "30s")
    @DictionaryFile(resourcePath = "ReadersFuzzTest.dict")
    void aReasonOrPixelsNothingElse(byte[] data) {
        for (ImageFormat f : ImageFormat.values()) Orientation.read(data, f);
        try {
            ImageHeader h = HeaderReader.read(data, "fuzz");
            Orientation.Exif exif = Orientation.read(data, h.format());
            BUDGET.check(h, "fuzz");
            if (h.format() == ImageFormat.PNG) PngChunks.pixelChunks(data);
            Decoder.decode(data, h, exif.orientation(), 1, "fuzz").close();
        } catch (RejectedException expected) {
            // a reason: what every bad input must end as
        }
    }
}

package dev.keyhole.outputs;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** File writing shared by the outputs. */
final class OutputFiles {
    private OutputFiles() {}

    /**
     * Writes UTF-8 text through a temporary sibling and a rename, so a crash or a full disk never
     * leaves a half-written file that looks complete to the next tool in the chain.
     */
    static void write(Path file, String text) throws IOException {
        // getBytes writes an unpaired surrogate (a JSON input's "\\ud800" escape) as '?' where
        // Files.writeString failed the whole run's outputs.
        write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** What writes a file's bytes. */
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** {@link #write(Path, String)} for content written as a stream (large files need no String of it). */
    static void write(Path file, Body body) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        // Not createTempFile: its 0600 mode would stick to the report; this honours the umask.
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), 1 << 16)) {
                body.writeTo(out);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

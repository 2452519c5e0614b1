package dev.keyhole.refdata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Cache file names for snapshots of reference data: changed data (path, size or time) gets a new name. */
final class SnapshotName {
    private SnapshotName() {}

    /** {@code dir/<kind>-<hash>.bin}, the hash over the kind, format version and each file's path, size and time. */
    static Path of(Path dir, String kind, int version, List<Path> files) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("keyhole-" + kind + "-snapshot/" + version).getBytes(StandardCharsets.UTF_8));
            for (Path p : files) {
                md.update((p.toAbsolutePath().normalize() + "\n" + Files.size(p) + "\n"
                        + Files.getLastModifiedTime(p).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return dir.resolve(kind + "-" + HexFormat.of().formatHex(md.digest(), 0, 12) + ".bin");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

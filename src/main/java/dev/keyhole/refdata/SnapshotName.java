package dev.keyhole.refdata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Cache file names for snapshots of reference data: {@code <kind>-<paths>-<data>.bin}, where
 * {@code <paths>} hashes the files' paths and {@code <data>} also their sizes and times. Changed
 * data gets a new name; a snapshot of other files (a user's --geo next to the default data)
 * keeps its own, so alternating runs do not rebuild each other's.
 */
final class SnapshotName {
    private SnapshotName() {}

    static Path of(Path dir, String kind, int version, List<Path> files) throws IOException {
        MessageDigest paths = sha256(), data = sha256();
        byte[] head = ("keyhole-" + kind + "-snapshot/" + version).getBytes(StandardCharsets.UTF_8);
        paths.update(head);
        data.update(head);
        for (Path p : files) {
            String path = p.toAbsolutePath().normalize() + "\n";
            paths.update(path.getBytes(StandardCharsets.UTF_8));
            data.update((path + Files.size(p) + "\n" + Files.getLastModifiedTime(p).toMillis() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        HexFormat hex = HexFormat.of();
        return dir.resolve(kind + "-" + hex.formatHex(paths.digest(), 0, 6) + "-" + hex.formatHex(data.digest(), 0, 12) + ".bin");
    }

    /**
     * Removes the snapshots of the same files' older data (same kind and paths hash, other name),
     * and temporary files of builds killed more than an hour ago; best effort.
     */
    static void removeOlder(Path f) {
        String name = f.getFileName().toString();
        int cut = name.lastIndexOf('-');
        String kind = name.substring(0, name.indexOf('-'));
        try (DirectoryStream<Path> all = Files.newDirectoryStream(f.getParent(), kind + "-*")) {
            long hourAgo = System.currentTimeMillis() - 3_600_000L;
            for (Path p : all) {
                String n = p.getFileName().toString();
                boolean older = n.endsWith(".bin") && n.startsWith(name.substring(0, cut + 1)) && !p.equals(f);
                boolean stale = n.endsWith(".tmp") && Files.getLastModifiedTime(p).toMillis() < hourAgo;
                if (older || stale) Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            // a leftover file costs disk space only
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.keyhole.refdata;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
        StringBuilder paths = new StringBuilder("keyhole-" + kind + "-snapshot/" + version + "\n");
        StringBuilder data = new StringBuilder(paths);
        for (Path p : files) {
            String path = p.toAbsolutePath().normalize() + "\n";
            paths.append(path);
            data.append(path).append(Files.size(p)).append('\n').append(Files.getLastModifiedTime(p).toMillis()).append('\n');
        }
        return dir.resolve(kind + "-" + hex(fnv(paths) >>> 16, 12) + "-" + hex(fnv(data), 16) + ".bin");
    }

    /** {@code v} as {@code digits} lower-case hex digits (no Formatter: it costs milliseconds at start-up). */
    private static String hex(long v, int digits) {
        char[] c = new char[digits];
        for (int i = digits - 1; i >= 0; i--, v >>>= 4) c[i] = Character.forDigit((int) (v & 15), 16);
        return new String(c);
    }

    /**
     * 64-bit FNV-1a over the UTF-16 code units: names only need to tell data versions apart, and
     * SHA-256 cost ~30 ms of every run's start-up (loading the security providers).
     */
    static long fnv(CharSequence s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * Removes the snapshots of the same files' older data (same kind and paths hash, other name),
     * snapshots named by an earlier scheme, and temporary files of builds killed more than an hour
     * ago; best effort. Runs only after a snapshot was written, never on a run's start.
     */
    static void removeOlder(Path f) {
        String name = f.getFileName().toString();
        int cut = name.lastIndexOf('-');
        String kind = name.substring(0, name.indexOf('-'));
        try (DirectoryStream<Path> all = Files.newDirectoryStream(f.getParent(), kind + "-*")) {
            long hourAgo = System.currentTimeMillis() - 3_600_000L;
            for (Path p : all) {
                String n = p.getFileName().toString();
                boolean older = n.endsWith(".bin") && !p.equals(f) && (n.startsWith(name.substring(0, cut + 1))
                        // names from before this scheme (one SHA-256 prefix) can never be read again
                        || !n.matches(java.util.regex.Pattern.quote(kind) + "-[0-9a-f]{12}-[0-9a-f]{16}\\.bin"));
                boolean stale = n.endsWith(".tmp") && Files.getLastModifiedTime(p).toMillis() < hourAgo;
                if (older || stale) Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            // a leftover file costs disk space only
        }
    }
}

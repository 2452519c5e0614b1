package dev.keyhole.store.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A second, independent Parquet reader for the tests: hyparquet (MIT, npm), installed into
 * target/hyparquet on first use and run by node. Tests that use it are skipped (not failed) where
 * node or npm is missing or the package cannot be installed.
 */
public final class Hyparquet {
    static final String VERSION = "1.31.5";

    private Hyparquet() {}

    /**
     * Every row of the files as JSON objects: BigInts as decimal strings, timestamps as epoch
     * microseconds (strings), and {@code day} from a {@code day=} directory when the path has one.
     */
    public static JsonNode read(List<Path> files) throws Exception {
        return run("read.mjs", files);
    }

    /**
     * Each file's footer as hyparquet parses it (an array, one FileMetaData per file: row_groups[],
     * columns[], meta_data with codec, encodings, encoding_stats, statistics), BigInts as strings.
     */
    public static JsonNode metadata(List<Path> files) throws Exception {
        return run("metadata.mjs", files);
    }

    private static JsonNode run(String script, List<Path> files) throws Exception {
        Path js = Path.of("target", "hyparquet").toAbsolutePath();
        Path module = js.resolve("node_modules/hyparquet/package.json");
        if (!Files.exists(module)) {
            Files.createDirectories(js);
            Files.writeString(js.resolve("package.json"), "{\"private\": true}");
            int rc;
            try {
                rc = install(js, 180, "npm", "install", "--no-audit", "--no-fund", "hyparquet@" + VERSION);
            } catch (IOException e) {
                rc = -1;
            }
            Assumptions.assumeTrue(rc == 0 && Files.exists(module), "npm could not install hyparquet");
        }
        Files.writeString(js.resolve("read.mjs"), """
                import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
                const plain = v => typeof v === 'bigint' ? v.toString() : v instanceof Date ? String(v.getTime() * 1000) : v
                const out = []
                for (const f of process.argv.slice(2)) {
                  for (const r of await parquetReadObjects({ file: await asyncBufferFromFile(f) })) {
                    const day = f.match(/day=([0-9-]+)/)
                    const o = day ? { day: day[1] } : {}
                    for (const [k, v] of Object.entries(r)) o[k] = plain(v)
                    out.push(o)
                  }
                }
                process.stdout.write(JSON.stringify(out))
                """);
        Files.writeString(js.resolve("metadata.mjs"), """
                import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet'
                const out = []
                for (const f of process.argv.slice(2)) out.push(await parquetMetadataAsync(await asyncBufferFromFile(f)))
                process.stdout.write(JSON.stringify(out, (k, v) => typeof v === 'bigint' ? v.toString() : v))
                """);
        List<String> cmd = new ArrayList<>(List.of("node", js.resolve(script).toString()));
        files.forEach(f -> cmd.add(f.toString()));
        Path json = Files.createTempFile(js, "rows", ".json");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(json.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                Assumptions.abort("no node: " + e.getMessage());
                return null;
            }
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            return new ObjectMapper().readTree(json.toFile());
        } finally {
            Files.deleteIfExists(json);
        }
    }

    private static int install(Path dir, int seconds, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}

package dev.keyhole.build;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import picocli.CommandLine;

import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build step src/build/UpgradeClassFiles.java, run as the build runs it, on the real picocli jar
 * (Java 5 class files): every old class comes out as a Java 8 class file that the JVM's verifier
 * accepts, picocli still works from it, and nothing else in the jar changes.
 */
class UpgradeClassFilesTest {
    @TempDir
    Path tmp;

    @Test
    void rewritesPicocliAsVerifiedJava8ClassFilesAndLeavesTheRestAlone() throws Exception {
        Path original = Path.of(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = tmp.resolve("picocli.jar");
        Files.copy(original, jar);
        Map<String, byte[]> before = entries(jar);
        long old = before.entrySet().stream().filter(e -> isClass(e.getKey()) && major(e.getValue()) < 50).count();
        assertThat(old).as("old class files in " + original).isPositive();

        Path asm = Path.of(ClassReader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", asm.toString(), Path.of("src/build/UpgradeClassFiles.java").toAbsolutePath().toString(), jar.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains(old + " class files from before Java 6").contains("picocli=" + old);

        Map<String, byte[]> after = entries(jar);
        assertThat(after.keySet()).containsExactlyElementsOf(before.keySet());
        List<String> classes = new ArrayList<>();
        for (var e : before.entrySet()) {
            byte[] now = after.get(e.getKey());
            if (isClass(e.getKey()) && major(e.getValue()) < 50) {
                assertThat(major(now)).as(e.getKey()).isEqualTo(52);
                classes.add(e.getKey().replace('/', '.').substring(0, e.getKey().length() - ".class".length()));
            } else {
                assertThat(now).as(e.getKey()).isEqualTo(e.getValue());
            }
        }

        // Loading and initialising each class runs the verifier (Java 8 class files: no fallback to the old one).
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[]{jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            for (String c : classes) {
                assertThat(Class.forName(c, true, loader).getClassLoader()).as(c).isSameAs(loader);
            }
            // picocli from the rewritten classes: the model built by reflection, then a usage message.
            Class<?> cl = loader.loadClass("picocli.CommandLine");
            Object help = loader.loadClass("picocli.CommandLine$HelpCommand").getConstructor().newInstance();
            Object cmd = cl.getConstructor(Object.class).newInstance(help);
            String usage = (String) cl.getMethod("getUsageMessage").invoke(cmd);
            assertThat(usage).contains("Usage: help").contains("[COMMAND]");
            Object range = loader.loadClass("picocli.CommandLine$Range").getMethod("valueOf", String.class).invoke(null, "1..3");
            assertThat(range.toString()).isEqualTo("1..3");
        }
    }

    @Test
    void aJarWithNothingOldIsLeftAsItWas() throws Exception {
        Path asm = Path.of(ClassReader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = tmp.resolve("new.jar");
        String self = UpgradeClassFilesTest.class.getName().replace('.', '/') + ".class";
        try (var in = UpgradeClassFilesTest.class.getClassLoader().getResourceAsStream(self);
             var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(jar))) {
            zip.putNextEntry(new ZipEntry("notes.txt"));
            zip.write("not a class".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry(self));
            zip.write(in.readAllBytes());
        }
        Map<String, byte[]> before = entries(jar);
        assertThat(major(before.get(self))).isGreaterThanOrEqualTo(61);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", asm.toString(), Path.of("src/build/UpgradeClassFiles.java").toAbsolutePath().toString(), jar.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains(": 0 class files");
        Map<String, byte[]> after = entries(jar);
        assertThat(after.keySet()).containsExactlyElementsOf(before.keySet());
        before.forEach((k, v) -> assertThat(after.get(k)).as(k).isEqualTo(v));
    }

    private static boolean isClass(String name) {
        return name.endsWith(".class") && !name.startsWith("META-INF/");
    }

    private static int major(byte[] b) {
        return ((b[6] & 0xff) << 8) | (b[7] & 0xff);
    }

    private static Map<String, byte[]> entries(Path jar) throws IOException {
        Map<String, byte[]> m = new java.util.LinkedHashMap<>();
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
                ZipEntry en = e.nextElement();
                if (!en.isDirectory()) m.put(en.getName(), z.getInputStream(en).readAllBytes());
            }
        }
        return m;
    }
}

package dev.keyhole.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhole.outputs.CsvTables;
import dev.keyhole.store.StoreQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code keyhole query}: SQL over a flow store written by {@code analyze --store}. */
@Command(name = "query", mixinStandardHelpOptions = true,
        description = {"Runs DuckDB SQL over a flow store (analyze --store DIR). The view 'flows' holds every stored "
                + "flow; ip4('a.b.c.d') and in_cidr(addr, 'prefix/len') help with addresses. See docs/store.md."})
public final class QueryCommand implements Callable<Integer> {
    public enum Format { table, csv, json }

    /** Cells wider than this are cut in table output, so one long URL-like name cannot wreck the layout. */
    static final int MAX_CELL = 60;

    @Option(names = "--store", required = true, paramLabel = "DIR", description = "The store directory.")
    Path store;

    @Parameters(index = "0", paramLabel = "SQL", description = "One SQL statement, e.g. \"SELECT count(*) FROM flows\".")
    String sql;

    @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT",
            description = "table (aligned, default), csv (RFC 4180) or json (one object a line).")
    Format format;

    @Option(names = "--limit", defaultValue = "1000", paramLabel = "N",
            description = "Print at most N rows (default ${DEFAULT-VALUE}; 0 = all).")
    long limit;

    @Override
    public Integer call() throws Exception {
        // System.out flushes every 128 bytes; an export of a million rows would be a million writes.
        PrintStream out = new PrintStream(new java.io.BufferedOutputStream(
                new java.io.FileOutputStream(java.io.FileDescriptor.out), 1 << 16), false, stdoutCharset());
        try {
            run(store, sql, format, limit, out, System.err);
        } finally {
            out.flush();
        }
        return 0;
    }

    /** What System.out encodes with: the console's encoding on a terminal, else the default. */
    private static java.nio.charset.Charset stdoutCharset() {
        String enc = System.getProperty("sun.stdout.encoding");
        try {
            if (enc != null) return java.nio.charset.Charset.forName(enc);
        } catch (RuntimeException e) {
            // an unknown name: the default below, as System.out does
        }
        return java.nio.charset.Charset.defaultCharset();
    }

    /** Runs one statement and prints its rows; bad SQL is an {@link IllegalArgumentException} with DuckDB's message. */
    static void run(Path store, String sql, Format format, long limit, PrintStream out, PrintStream err)
            throws IOException {
        if (limit < 0) throw new IllegalArgumentException("--limit must be 0 (all) or more");
        try (Connection c = StoreQuery.open(store)) {
            PreparedStatement st;
            boolean rows;
            try {
                // Preparing first reports parser and binder errors with DuckDB's own message.
                st = c.prepareStatement(sql);
                rows = st.execute();
            } catch (SQLException e) {
                throw new IllegalArgumentException("query failed: " + firstLine(e.getMessage()));
            }
            if (!rows) {
                st.close();
                return;
            }
            try (st; ResultSet rs = st.getResultSet()) {
                ResultSetMetaData md = rs.getMetaData();
                List<String> names = new ArrayList<>();
                int[] types = new int[md.getColumnCount()];
                for (int i = 1; i <= types.length; i++) {
                    names.add(md.getColumnLabel(i));
                    types[i - 1] = md.getColumnType(i);
                }
                Printer p = switch (format) {
                    case table -> new TablePrinter(out, names);
                    case csv -> new CsvPrinter(out, names);
                    case json -> new JsonPrinter(out, names);
                };
                long n = 0;
                boolean more = false;
                while (rs.next()) {
                    if (limit > 0 && n == limit) {
                        more = true;
                        break;
                    }
                    Object[] row = new Object[names.size()];
                    for (int i = 0; i < row.length; i++) row[i] = value(rs, types[i], i + 1);
                    p.row(row);
                    n++;
                }
                p.end();
                out.flush(); // the rows before the note, when both go to one terminal
                if (more) err.println("note: printed the first " + limit + " rows; --limit 0 prints all");
            } catch (SQLException e) {
                throw new IllegalArgumentException("query failed: " + firstLine(e.getMessage()));
            }
        } catch (SQLException e) {
            throw new IOException(firstLine(e.getMessage()), e);
        }
    }

    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss").optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .toFormatter();

    /**
     * Numbers and booleans as they are; timestamps as {@code 2018-05-05 00:45:00[.123]}, read as
     * LocalDateTime so the JVM's time zone cannot shift them; anything else in DuckDB's text form.
     */
    private static Object value(ResultSet rs, int type, int i) throws SQLException {
        if (type == Types.TIMESTAMP) {
            LocalDateTime t = rs.getObject(i, LocalDateTime.class);
            return t == null ? null : TIMESTAMP.format(t);
        }
        Object o = rs.getObject(i);
        if (o == null || o instanceof Number || o instanceof Boolean || o instanceof String) return o;
        return rs.getString(i);
    }

    private static String firstLine(String m) {
        if (m == null) return "unknown error";
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private interface Printer {
        void row(Object[] r) throws IOException;

        void end() throws IOException;
    }

    /** Aligned columns; control characters escaped: names and URLs come from the observed traffic. */
    static final class TablePrinter implements Printer {
        private final PrintStream out;
        private final List<String> names;
        private final List<String[]> rows = new ArrayList<>();
        private final boolean[] numeric;
        private final boolean[] sawValue;

        TablePrinter(PrintStream out, List<String> names) {
            this.out = out;
            this.names = names;
            this.numeric = new boolean[names.size()];
            this.sawValue = new boolean[names.size()];
            java.util.Arrays.fill(numeric, true);
        }

        @Override
        public void row(Object[] r) {
            String[] cells = new String[r.length];
            for (int i = 0; i < r.length; i++) {
                if (r[i] != null) sawValue[i] = true;
                if (r[i] != null && !(r[i] instanceof Number)) numeric[i] = false;
                cells[i] = r[i] == null ? "NULL" : cell(r[i]);
            }
            rows.add(cells);
        }

        static String cell(Object v) {
            String s = v instanceof Double || v instanceof Float || v instanceof BigDecimal || v instanceof BigInteger
                    ? v.toString() : String.valueOf(v);
            StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_CELL + 4));
            for (int i = 0; i < s.length() && sb.length() < MAX_CELL; i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029
                        || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            if (sb.length() >= MAX_CELL && s.length() > MAX_CELL) {
                sb.setLength(MAX_CELL - 1);
                sb.append('…');
            }
            return sb.toString();
        }

        @Override
        public void end() {
            int[] w = new int[names.size()];
            for (int i = 0; i < w.length; i++) w[i] = cell(names.get(i)).length();
            for (String[] r : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r[i].length());
            StringBuilder sb = new StringBuilder();
            line(sb, names.stream().map(TablePrinter::cell).toArray(String[]::new), w, false);
            for (int i = 0; i < w.length; i++) {
                if (i > 0) sb.append("  ");
                sb.append("-".repeat(w[i]));
            }
            sb.append('\n');
            for (String[] r : rows) line(sb, r, w, true);
            out.print(sb);
            out.println("(" + rows.size() + (rows.size() == 1 ? " row)" : " rows)"));
        }

        private void line(StringBuilder sb, String[] cells, int[] w, boolean data) {
            for (int i = 0; i < cells.length; i++) {
                if (i > 0) sb.append("  ");
                String pad = " ".repeat(w[i] - cells[i].length());
                if (data && numeric[i] && sawValue[i]) sb.append(pad).append(cells[i]);
                else if (i == cells.length - 1) sb.append(cells[i]);
                else sb.append(cells[i]).append(pad);
            }
            sb.append('\n');
        }
    }

    /** RFC 4180 with CRLF; text guarded against spreadsheet formulas as in the CSV tables of analyze. */
    static final class CsvPrinter implements Printer {
        private final PrintStream out;

        CsvPrinter(PrintStream out, List<String> names) {
            this.out = out;
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) sb.append(',');
                sb.append(CsvTables.quote(CsvTables.guard(names.get(i))));
            }
            out.print(sb.append("\r\n"));
        }

        @Override
        public void row(Object[] r) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                if (i > 0) sb.append(',');
                // NaN and infinities as the table and JSON formats print them, not empty like NULL.
                Object v = r[i];
                if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) {
                    sb.append(v);
                } else {
                    sb.append(CsvTables.cell(v));
                }
            }
            out.print(sb.append("\r\n"));
        }

        @Override
        public void end() {
            out.flush();
        }
    }

    /** One JSON object a line (JSON Lines), keys in column order. */
    static final class JsonPrinter implements Printer {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final PrintStream out;
        private final List<String> names;

        JsonPrinter(PrintStream out, List<String> names) {
            this.out = out;
            this.names = names;
        }

        @Override
        public void row(Object[] r) throws IOException {
            StringWriter sw = new StringWriter();
            try (JsonGenerator g = JSON.getFactory().createGenerator(sw)) {
                g.writeStartObject();
                for (int i = 0; i < r.length; i++) {
                    g.writeFieldName(names.get(i));
                    Object v = r[i];
                    if (v instanceof Double d && !Double.isFinite(d)) g.writeString(d.toString());
                    else if (v instanceof Float f && !Float.isFinite(f)) g.writeString(f.toString());
                    else g.writeObject(v);
                }
                g.writeEndObject();
            }
            out.print(sw.append('\n'));
        }

        @Override
        public void end() {
            out.flush();
        }
    }
}

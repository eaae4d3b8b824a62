// The PostgreSQL JDBC driver (Debian's libpostgresql-jdbc-java) against a server: prepared
// statements past prepareThreshold (the driver then switches to a named server-side statement),
// a batch, a transaction, and DatabaseMetaData. Prints one JSON object for
// tests/clients/test_jdbc.py. Usage: java -cp postgresql.jar:DIR JdbcClient HOST PORT
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.postgresql.PGStatement;

public final class JdbcClient {
    private JdbcClient() {
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://" + args[0] + ":" + args[1] + "/postgres?sslmode=disable&prepareThreshold=5";
        Map<String, Object> out = new LinkedHashMap<>();
        try (Connection conn = DriverManager.getConnection(url, "postgres", "")) {
            DatabaseMetaData meta = conn.getMetaData();
            out.put("product", meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion());
            try (Statement st = conn.createStatement()) {
                st.execute("DROP TABLE IF EXISTS clients_jdbc_lines");
                st.execute("DROP TABLE IF EXISTS clients_jdbc_orders");
                st.execute("CREATE TABLE clients_jdbc_orders (id int PRIMARY KEY, customer varchar(40) NOT NULL,"
                        + " total numeric(10,2), placed date, note text)");
                st.execute("CREATE TABLE clients_jdbc_lines (order_id int REFERENCES clients_jdbc_orders(id),"
                        + " line int, qty bigint DEFAULT 1, PRIMARY KEY (order_id, line))");
                st.execute("CREATE INDEX clients_jdbc_lines_qty ON clients_jdbc_lines (qty)");
            }
            out.put("prepared", prepared(conn));
            out.put("batch", batch(conn));
            out.put("transaction", transaction(conn));
            out.put("tables", tables(meta));
            out.put("columns", columns(meta));
            out.put("primary_keys", primaryKeys(meta));
            out.put("imported_keys", importedKeys(meta));
            out.put("type_info", typeInfo(meta));
        }
        System.out.println(toJson(out));
    }

    /** Ten inserts and ten selects through one PreparedStatement each. */
    private static Map<String, Object> prepared(Connection conn) throws SQLException {
        Map<String, Object> out = new LinkedHashMap<>();
        try (PreparedStatement ins = conn.prepareStatement(
                "INSERT INTO clients_jdbc_orders (id, customer, total, placed, note) VALUES (?, ?, ?, ?, ?)")) {
            for (int i = 1; i <= 10; i++) {
                ins.setInt(1, i);
                ins.setString(2, "customer " + i);
                ins.setBigDecimal(3, new java.math.BigDecimal(i + ".25"));
                ins.setDate(4, Date.valueOf("2024-05-" + String.format("%02d", i)));
                if (i % 2 == 0) {
                    ins.setNull(5, Types.VARCHAR);
                } else {
                    ins.setString(5, "odd");
                }
                ins.executeUpdate();
            }
            out.put("insert_server_prepared", ins.unwrap(PGStatement.class).isUseServerPrepare());
        }
        List<Object> rows = new ArrayList<>();
        try (PreparedStatement sel = conn.prepareStatement(
                "SELECT id, customer, total, placed, note FROM clients_jdbc_orders WHERE id = ? AND total > ?")) {
            for (int i = 1; i <= 10; i++) {
                sel.setInt(1, i);
                sel.setBigDecimal(2, java.math.BigDecimal.ZERO);
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        rows.add(List.of(rs.getInt(1), rs.getString(2), rs.getBigDecimal(3).toPlainString(),
                                rs.getDate(4).toString(), rs.getString(5) == null ? "NULL" : rs.getString(5)));
                    }
                }
            }
            out.put("select_server_prepared", sel.unwrap(PGStatement.class).isUseServerPrepare());
            ResultSetMetaData md = sel.getMetaData();
            List<Object> types = new ArrayList<>();
            for (int c = 1; c <= md.getColumnCount(); c++) {
                types.add(md.getColumnName(c) + ":" + md.getColumnTypeName(c));
            }
            out.put("select_types", types);
        }
        out.put("rows", rows);
        return out;
    }

    private static Map<String, Object> batch(Connection conn) throws SQLException {
        Map<String, Object> out = new LinkedHashMap<>();
        try (PreparedStatement ins = conn.prepareStatement(
                "INSERT INTO clients_jdbc_lines (order_id, line, qty) VALUES (?, ?, ?)")) {
            for (int line = 1; line <= 3; line++) {
                ins.setInt(1, 1);
                ins.setInt(2, line);
                ins.setLong(3, 10L * line);
                ins.addBatch();
            }
            int total = 0;
            for (int n : ins.executeBatch()) {
                total += n;
            }
            out.put("inserted", total);
        }
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT sum(qty) FROM clients_jdbc_lines")) {
            rs.next();
            out.put("sum_qty", rs.getLong(1));
        }
        return out;
    }

    /** A rolled-back update, then a committed one. */
    private static List<Object> transaction(Connection conn) throws SQLException {
        conn.setAutoCommit(false);
        try (PreparedStatement up = conn.prepareStatement("UPDATE clients_jdbc_orders SET note = ? WHERE id <= ?")) {
            up.setString(1, "rolled back");
            up.setInt(2, 3);
            up.executeUpdate();
            conn.rollback();
            up.setString(1, "committed");
            up.setInt(2, 2);
            up.executeUpdate();
            conn.commit();
        } finally {
            conn.setAutoCommit(true);
        }
        List<Object> notes = new ArrayList<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(note, 'NULL') FROM clients_jdbc_orders WHERE id <= 3 ORDER BY id")) {
            while (rs.next()) {
                notes.add(rs.getString(1));
            }
        }
        return notes;
    }

    private static List<Object> tables(DatabaseMetaData meta) throws SQLException {
        List<Object> out = new ArrayList<>();
        try (ResultSet rs = meta.getTables(null, "public", "clients_jdbc%", new String[] {"TABLE"})) {
            while (rs.next()) {
                out.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
            }
        }
        return out;
    }

    private static List<Object> columns(DatabaseMetaData meta) throws SQLException {
        List<Object> out = new ArrayList<>();
        try (ResultSet rs = meta.getColumns(null, "public", "clients_jdbc_orders", "%")) {
            while (rs.next()) {
                out.add(List.of(rs.getString("COLUMN_NAME"), rs.getString("TYPE_NAME"), rs.getInt("COLUMN_SIZE"),
                        rs.getString("IS_NULLABLE"), rs.getInt("ORDINAL_POSITION")));
            }
        }
        return out;
    }

    private static List<Object> primaryKeys(DatabaseMetaData meta) throws SQLException {
        List<Object> out = new ArrayList<>();
        try (ResultSet rs = meta.getPrimaryKeys(null, "public", "clients_jdbc_lines")) {
            while (rs.next()) {
                out.add(List.of(rs.getString("COLUMN_NAME"), rs.getInt("KEY_SEQ"), rs.getString("PK_NAME")));
            }
        }
        return out;
    }

    private static List<Object> importedKeys(DatabaseMetaData meta) throws SQLException {
        List<Object> out = new ArrayList<>();
        try (ResultSet rs = meta.getImportedKeys(null, "public", "clients_jdbc_lines")) {
            while (rs.next()) {
                out.add(List.of(rs.getString("PKTABLE_NAME"), rs.getString("PKCOLUMN_NAME"),
                        rs.getString("FKCOLUMN_NAME"), rs.getString("FK_NAME")));
            }
        }
        return out;
    }

    /** java.sql.Types codes of a few types; arrays are told by typinput = array_in. */
    private static Map<String, Object> typeInfo(DatabaseMetaData meta) throws SQLException {
        Map<String, Object> out = new LinkedHashMap<>();
        try (ResultSet rs = meta.getTypeInfo()) {
            while (rs.next()) {
                String name = rs.getString("TYPE_NAME");
                if (List.of("int4", "_int4", "varchar", "numeric", "_text").contains(name)) {
                    out.put(name, rs.getInt("DATA_TYPE"));
                }
            }
        }
        return out;
    }

    private static String toJson(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map<?, ?> map) {
            List<String> parts = new ArrayList<>();
            map.forEach((k, v) -> parts.add(toJson(k.toString()) + ":" + toJson(v)));
            return "{" + String.join(",", parts) + "}";
        }
        if (value instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            list.forEach(v -> parts.add(toJson(v)));
            return "[" + String.join(",", parts) + "]";
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : value.toString().toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return sb.append('"').toString();
    }
}
